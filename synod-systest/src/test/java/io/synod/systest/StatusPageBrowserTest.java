package io.synod.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
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
    new WebDriverWait(browser, PAGE_TIMEOUT).withMessage(() -> "the page to show 3 reachable members and leader "
        + leader + "; it shows: " + pageText()).until(d -> shows(d, leader, -1));
    WebElement leaderRow = browser.findElement(By.cssSelector("#members tr[data-member='" + leader + "']"));
    assertThat(leaderRow.getDomAttribute("class")).isEqualTo("leader");
    assertThat(leaderRow.getText()).contains("synod-" + leader, "leader", "reachable");
    WebElement watcherRow = browser.findElement(By.cssSelector("#members tr[data-member='" + watcher + "']"));
    assertThat(watcherRow.getText()).contains("(this member)", "follower");
    assertThat(browser.findElements(By.cssSelector("#leader-changes tbody tr"))).isNotEmpty();

    cluster.kill(leader);
    new WebDriverWait(browser, FAILOVER_TIMEOUT).withMessage(() -> "the page to show a new leader other than "
        + leader + " and member " + leader + " unreachable; it shows: " + pageText())
        .until(d -> shows(d, 0, leader));
    int newLeader = Integer.parseInt(browser.findElement(By.id("summary")).getDomAttribute("data-leader"));
    assertThat(newLeader).isNotEqualTo(leader).isNotZero();
    assertThat(browser.findElement(By.id("summary")).getText()).isEqualTo("Leader: member " + newLeader);
    assertThat(browser.findElement(By.cssSelector("#members tr[data-member='" + leader + "']")).getText())
        .contains("unreachable");
    assertThat(browser.findElement(By.cssSelector("#leader-changes tbody tr")).getText())
        .as("the latest leader change is listed first").contains("member " + newLeader);
  }

  /**
   * Whether the page shows three members and {@code leader} leading (0: any member but
   * {@code gone}), with {@code gone} unreachable and the others reachable (-1: all reachable).
   */
  private static Boolean shows(WebDriver page, int leader, int gone) {
    List<WebElement> rows = page.findElements(By.cssSelector("#members tbody tr"));
    if (rows.size() != 3) {
      return false;
    }
    String shown = page.findElement(By.id("summary")).getDomAttribute("data-leader");
    if (shown == null || shown.isEmpty() || shown.equals("0")) {
      return false;
    }
    int shownLeader = Integer.parseInt(shown);
    if (leader > 0 ? shownLeader != leader : shownLeader == gone) {
      return false;
    }
    for (WebElement row : rows) {
      boolean unreachable = row.getDomAttribute("class").contains("unreachable");
      if (unreachable != (Integer.parseInt(row.getDomAttribute("data-member")) == gone)) {
        return false;
      }
    }
    return true;
  }

  private String pageText() {
    try {
      return browser.findElement(By.tagName("body")).getText();
    } catch (RuntimeException e) {
      return "(cannot read the page: " + e + ")";
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
