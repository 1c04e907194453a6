package io.synod.lincheck;

/**
 * One recorded operation as the search sees it: immutable, with its outcome settled.
 *
 * <p>An operation whose outcome is unknown has {@code completed == false}, a null output and a
 * return time of {@link Long#MAX_VALUE}: it may take effect at any time after its call, or never.
 */
record Operation<I, O>(
    long id, int clientId, I input, O output, long call, long ret, boolean completed) {

  static final long NEVER_RETURNED = Long.MAX_VALUE;

  /**
   * Renders the operation with its id, client and interval, e.g.
   * {@code #7 client 2 [40..50] get(x) -> 1}; an unknown outcome shows {@code ?} as its return.
   */
  String render(Model<?, I, O> model) {
    String end = completed ? Long.toString(ret) : "?";
    String what = model.describe(input, completed ? output : null);
    return "#" + id + " client " + clientId + " [" + call + ".." + end + "] " + what;
  }
}
