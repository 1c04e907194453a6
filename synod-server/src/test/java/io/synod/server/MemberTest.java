package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MemberTest {
  @Test
  void parsesMembersInIdOrder() {
    assertThat(Member.parseAll("2=127.0.0.1:12/127.0.0.1:11,1=127.0.0.1:2/localhost:1"))
        .extracting(Member::id, Member::peerUrl, Member::clientUrl)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, "http://127.0.0.1:2", "http://localhost:1"),
            org.assertj.core.groups.Tuple.tuple(2, "http://127.0.0.1:12", "http://127.0.0.1:11"));
  }

  @Test
  void twoUsesOfOneAddressAreRefusedNamingBoth() {
    assertThatThrownBy(() -> Member.parseAll("1=127.0.0.1:2/127.0.0.1:1,2=127.0.0.1:2/127.0.0.1:3"))
        .hasMessage("member 1's peer address and member 2's peer address are both 127.0.0.1:2: every member needs "
            + "its own peer and client addresses");
    assertThatThrownBy(() -> Member.parseAll("1=127.0.0.1:2/127.0.0.1:1,2=127.0.0.1:3/127.0.0.1:2"))
        .hasMessageStartingWith("member 1's peer address and member 2's client address are both 127.0.0.1:2:");
    // One member's peer and client address are two uses too.
    assertThatThrownBy(() -> Member.parseAll("1=127.0.0.1:2/127.0.0.1:2"))
        .hasMessageStartingWith("member 1's peer address and member 1's client address are both 127.0.0.1:2:");
  }

  @Test
  void portZeroNeverCollides() {
    assertThat(Member.parseAll("1=127.0.0.1:0/127.0.0.1:0,2=127.0.0.1:0/127.0.0.1:0")).hasSize(2);
  }

  @Test
  void malformedPartsAndUnknownHostsAreNamed() {
    assertThatThrownBy(() -> Member.parseAll("1=nosuch.invalid:2/127.0.0.1:1"))
        .hasMessage("cannot resolve host 'nosuch.invalid' in member 1's peer address nosuch.invalid:2: "
            + "no such host is known");
    assertThatThrownBy(() -> Member.parseAll("1=127.0.0.1:2/127.0.0.1:x"))
        .hasMessage("port in member 1's client address '127.0.0.1:x' is not a number");
    assertThatThrownBy(() -> Member.parseAll("1=127.0.0.1:2/127.0.0.1:70000"))
        .hasMessage("port in member 1's client address '127.0.0.1:70000' is not in 0..65535");
    assertThatThrownBy(() -> Member.parseAll("64=127.0.0.1:2/127.0.0.1:1"))
        .hasMessage("member id 64 in '64=127.0.0.1:2/127.0.0.1:1' is not in 1..63");
  }
}
