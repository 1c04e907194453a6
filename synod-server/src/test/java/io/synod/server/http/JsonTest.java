package io.synod.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void writesNestedValuesWithCommasInPlace() {
    String json = new Json().beginObject().field("a", 1).name("b").beginArray().value("x").value(true)
        .beginObject().field("c", -2).endObject().endArray().field("d", (String) null).endObject().toString();
    assertThat(json).isEqualTo("{\"a\":1,\"b\":[\"x\",true,{\"c\":-2}],\"d\":null}");
  }

  @Test
  void stringsAreEscapedSoNoTextCanEndThemOrOpenMarkup() {
    String json = new Json().beginObject().field("e", "q\"b\\n\n\u0001</script><b>&").endObject().toString();
    assertThat(json).isEqualTo("{\"e\":\"q\\\"b\\\\n\\n\\u0001\\u003c/script\\u003e\\u003cb\\u003e\\u0026\"}");
  }
}
