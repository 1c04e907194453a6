package io.synod.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class HttpAddressTest {
  private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 2379);

  @Test
  void theDefaultIsTheClientHostAndPortPlusTwo() {
    assertThat(HttpAddress.parse(null, CLIENT)).isEqualTo(new InetSocketAddress("127.0.0.1", 2381));
    assertThat(HttpAddress.parse(" ", new InetSocketAddress("127.0.0.1", 32379)))
        .isEqualTo(new InetSocketAddress("127.0.0.1", 32381));
    assertThat(HttpAddress.parse("", new InetSocketAddress("127.0.0.1", 0)).getPort()).isZero();
    assertThatThrownBy(() -> HttpAddress.parse(null, new InetSocketAddress("127.0.0.1", 65534)))
        .hasMessageContaining("--listen-http").hasMessageContaining("65534");
  }

  @Test
  void anAddressOrNone() {
    assertThat(HttpAddress.parse("127.0.0.1:9000", CLIENT)).isEqualTo(new InetSocketAddress("127.0.0.1", 9000));
    assertThat(HttpAddress.parse("none", CLIENT)).isNull();
    assertThat(HttpAddress.parse("NONE", CLIENT)).isNull();
    assertThat(HttpAddress.format(new InetSocketAddress("127.0.0.1", 9000))).isEqualTo("127.0.0.1:9000");
  }

  @Test
  void badValuesNameTheOptionAndTheValue() {
    assertThatThrownBy(() -> HttpAddress.parse("localhost", CLIENT))
        .hasMessage("--listen-http 'localhost' is not HOST:PORT or none");
    assertThatThrownBy(() -> HttpAddress.parse("127.0.0.1:http", CLIENT))
        .hasMessage("--listen-http '127.0.0.1:http': the port is not a number");
    assertThatThrownBy(() -> HttpAddress.parse("127.0.0.1:70000", CLIENT))
        .hasMessage("--listen-http '127.0.0.1:70000': the port is not in 0..65535");
    assertThatThrownBy(() -> HttpAddress.parse("no-such-host.invalid:9000", CLIENT))
        .hasMessageContaining("cannot resolve host no-such-host.invalid");
  }
}
