package io.synod.systest;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * Appends the tail of every member's log to the message of whatever fails in a test or its
 * lifecycle methods, so that a failure report shows what the servers were doing. Register it as a
 * field with {@code @RegisterExtension} and point it at the cluster with {@link #watch}.
 */
final class LogsOnFailure implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
  private volatile Cluster cluster;

  void watch(Cluster watched) {
    this.cluster = watched;
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    throw withLogs(failure);
  }

  @Override
  public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    throw withLogs(failure);
  }

  @Override
  public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    throw withLogs(failure);
  }

  @Override
  public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    throw withLogs(failure);
  }

  @Override
  public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    throw withLogs(failure);
  }

  private Throwable withLogs(Throwable failure) {
    Cluster watched = cluster;
    if (watched == null || failure instanceof TestAbortedException) {
      return failure;
    }
    AssertionError detailed = new AssertionError(failure + "\n\n" + watched.logTails(), failure);
    detailed.setStackTrace(failure.getStackTrace());
    return detailed;
  }
}
