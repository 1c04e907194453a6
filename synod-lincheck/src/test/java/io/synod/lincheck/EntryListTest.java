package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EntryListTest {
  private static Operation<String, String> op(int id, long call, long ret) {
    return new Operation<>(id, 0, "op" + id, "out", call, ret, true);
  }

  private static Operation<String, String> unknown(int id, long call) {
    return new Operation<>(id, 0, "op" + id, null, call, Operation.NEVER_RETURNED, false);
  }

  /** The list as text: {@code c0} for op 0's call, {@code r0} for its return. */
  private static String render(EntryList list) {
    List<String> out = new ArrayList<>();
    for (int e = list.next(EntryList.HEAD); e != EntryList.TAIL; e = list.next(e)) {
      out.add((list.isCall(e) ? "c" : "r") + list.op(e));
    }
    return String.join(" ", out);
  }

  @Test
  void eventsAreInTimeOrderWithCallsBeforeReturnsAtTheSameTime() {
    EntryList list = new EntryList(List.of(op(0, 0, 5), op(1, 5, 6), unknown(2, 5), op(3, 7, 8)));
    assertThat(render(list)).isEqualTo("c0 c1 c2 r0 r1 c3 r3");
  }

  @Test
  void liftAndUnliftRestoreTheListExactly() {
    EntryList list = new EntryList(List.of(op(0, 0, 5), op(1, 1, 3), unknown(2, 2), op(3, 4, 9)));
    String before = render(list);
    list.lift(1);
    list.lift(2);
    assertThat(render(list)).isEqualTo("c0 c3 r0 r3");
    list.lift(0);
    assertThat(render(list)).isEqualTo("c3 r3");
    list.unlift(0);
    list.unlift(2);
    list.unlift(1);
    assertThat(render(list)).isEqualTo(before);
  }
}
