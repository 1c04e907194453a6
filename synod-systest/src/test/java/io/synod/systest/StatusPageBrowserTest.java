package io.synod.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A member's status page in a real browser (Debian's headless Chromium, driven by chromedriver
 * through Selenium) against three real member processes: it shows the three members and the
 * leader, and when the leader's process is killed it shows the new leader and the old one as
 * unreachable, by itself (the page polls its member every second).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StatusPageBrowserTest {
  private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(30);
  /** A new leader within the election timeout and a read-lease period, with room for a slow machine. */
  private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @RegisterExtension
  final LogsOnFailure logs = new LogsOnFailure();

  private Cluster cluster;
  private WebDriver browser;

  @AfterEach
  void stopEverything() {
    try {
      if (browser != null) {
        browser.quit();
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  @Test
  void thePageShowsTheMembersAndFollowsALeaderChange() throws IOException {
    // First, so that a machine without the browser fails at once, and says what to install.
    browser = headlessChromium(dir.resolve("chromedriver.log"));
    cluster = Cluster.start(dir.resolve("cluster"), 3);
    logs.watch(cluster);
    int leader = cluster.awaitLeader();
    int watcher = cluster.ids().stream().filter(id -> id != leader).findFirst().orElseThrow();

    browser.get(cluster.httpUrl(watcher) + "/");
    assertThat(browser.getTitle()).isIn("Synod status", "Synod member " + watcher);
    PageState before = new WebDriverWait(browser, PAGE_TIMEOUT).withMessage(() -> "the page to show 3 reachable "
        + "members and leader " + leader + "; it shows: " + PageState.read(browser))
        .until(d -> PageState.read(d).showing(leader, -1));
    assertThat(before.rowText(leader)).contains("synod-" + leader, "leader", "reachable");
    assertThat(before.rowClass(leader)).isEqualTo("leader");
    assertThat(before.rowText(watcher)).contains("synod-" + watcher + " (this member)", "follower");
    assertThat(before.summary()).isEqualTo("Leader: member " + leader);
    assertThat(before.leaderChanges()).isNotEmpty();

    cluster.kill(leader);
    PageState after = new WebDriverWait(browser, FAILOVER_TIMEOUT).withMessage(() -> "the page to show a new "
        + "leader other than " + leader + " and member " + leader + " unreachable; it shows: " + PageState.read(browser))
        .until(d -> PageState.read(d).showing(0, leader));
    int newLeader = after.leader();
    assertThat(newLeader).isNotEqualTo(leader).isNotZero();
    assertThat(after.summary()).isEqualTo("Leader: member " + newLeader);
    assertThat(after.rowText(leader)).contains("unreachable");
    assertThat(after.rowClass(newLeader)).isEqualTo("leader");
    assertThat(after.leaderChanges()).as("the change to the new leader is listed")
        .anyMatch(change -> change.contains("member " + newLeader));
  }

  /**
   * What the page shows, read in one script run so that it cannot change halfway (the page redraws
   * every second, replacing its rows).
   */
  private record PageState(int leader, String summary, List<Map<String, Object>> rows, List<String> leaderChanges) {
    private static final String SCRIPT = """
        const summary = document.getElementById("summary");
        return {
          leader: summary.dataset.leader || "",
          summary: summary.textContent,
          rows: Array.from(document.querySelectorAll("#members tbody tr")).map((r) => ({
            member: r.dataset.member, className: r.className, text: r.innerText })),
          changes: Array.from(document.querySelectorAll("#leader-changes tbody tr")).map((r) => r.innerText)
        };""";

    @SuppressWarnings("unchecked")
    static PageState read(WebDriver page) {
      Map<String, Object> state = (Map<String, Object>) ((JavascriptExecutor) page).executeScript(SCRIPT);
      String leader = (String) state.get("leader");
      return new PageState(leader == null || leader.isEmpty() ? 0 : Integer.parseInt(leader),
          (String) state.get("summary"), (List<Map<String, Object>>) state.get("rows"),
          (List<String>) state.get("changes"));
    }

    /**
     * Null unless the page shows three members and {@code expectedLeader} leading (0: any member
     * but {@code gone}), with {@code gone} unreachable and the others reachable (-1: all
     * reachable); else this state.
     */
    PageState showing(int expectedLeader, int gone) {
      if (rows.size() != 3 || leader == 0 || (expectedLeader > 0 ? leader != expectedLeader : leader == gone)) {
        return null;
      }
      for (Map<String, Object> row : rows) {
        boolean unreachable = String.valueOf(row.get("className")).contains("unreachable");
        if (unreachable != (Integer.parseInt(String.valueOf(row.get("member"))) == gone)) {
          return null;
        }
      }
      return this;
    }

    String rowText(int member) {
      return String.valueOf(row(member).get("text"));
    }

    String rowClass(int member) {
      return String.valueOf(row(member).get("className"));
    }

    private Map<String, Object> row(int member) {
      return rows.stream().filter(r -> String.valueOf(member).equals(String.valueOf(r.get("member"))))
          .findFirst().orElseThrow(() -> new AssertionError("no row for member " + member + " in " + rows));
    }
  }

  /**
   * Debian's Chromium and chromedriver, found on the PATH, with chromedriver's log (Chromium's
   * output included) in {@code log}. Missing ones fail the test: the CI script installs them, so
   * their absence is a broken machine, not a reason to skip.
   */
  private static WebDriver headlessChromium(Path log) {
    Path chromium = onPath("chromium");
    Path driver = onPath("chromedriver");
    assertThat(chromium).as("Chromium on the PATH (Debian: apt-get install chromium chromium-driver)").isNotNull();
    assertThat(driver).as("chromedriver on the PATH (Debian: apt-get install chromium-driver)").isNotNull();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    // As root Chromium refuses its sandbox; /dev/shm may be small in containers.
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--disable-extensions", "--no-first-run", "--window-size=1400,900");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(driver.toFile())
        .usingAnyFreePort()
        .withLogFile(log.toFile())
        .build();
    return new ChromeDriver(service, options);
  }

  private static Path onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String entry : path.split(File.pathSeparator)) {
      Path candidate = Path.of(entry).resolve(program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
