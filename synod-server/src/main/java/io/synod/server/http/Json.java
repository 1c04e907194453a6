package io.synod.server.http;

/** A minimal JSON writer for the status endpoint: objects, arrays, strings, numbers, booleans. */
final class Json {
  private final StringBuilder out = new StringBuilder(1024);
  /** Whether the next value in the current object or array needs a comma before it. */
  private boolean comma;

  Json beginObject() {
    separate();
    out.append('{');
    comma = false;
    return this;
  }

  Json endObject() {
    out.append('}');
    comma = true;
    return this;
  }

  Json beginArray() {
    separate();
    out.append('[');
    comma = false;
    return this;
  }

  Json endArray() {
    out.append(']');
    comma = true;
    return this;
  }

  Json name(String name) {
    separate();
    string(name);
    out.append(':');
    comma = false;
    return this;
  }

  Json value(String value) {
    separate();
    if (value == null) {
      out.append("null");
    } else {
      string(value);
    }
    comma = true;
    return this;
  }

  Json value(long value) {
    separate();
    out.append(value);
    comma = true;
    return this;
  }

  Json value(boolean value) {
    separate();
    out.append(value);
    comma = true;
    return this;
  }

  Json field(String name, String value) {
    return name(name).value(value);
  }

  Json field(String name, long value) {
    return name(name).value(value);
  }

  Json field(String name, boolean value) {
    return name(name).value(value);
  }

  private void separate() {
    if (comma) {
      out.append(',');
    }
  }

  /** A JSON string; also escapes {@code <}, {@code >} and {@code &} so it is safe anywhere in a page. */
  private void string(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
