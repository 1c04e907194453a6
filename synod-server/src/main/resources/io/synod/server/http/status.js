// The status page: polls /status.json every second and redraws. Text goes into the page only
// through textContent and attribute setters, never as HTML, so nothing a member reports can run.
"use strict";

(function () {
  const POLL_MILLIS = 1000;
  const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[0-9A-Za-z.-]+):[0-9]{1,5}$/;

  function text(tag, value, className) {
    const el = document.createElement(tag);
    el.textContent = value === undefined || value === null ? "" : String(value);
    if (className) {
      el.className = className;
    }
    return el;
  }

  function bytes(n) {
    if (n === undefined || n === null) {
      return "";
    }
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let value = n;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return (unit === 0 ? String(value) : value.toFixed(1)) + " " + units[unit];
  }

  function time(millis) {
    return new Date(millis).toLocaleString();
  }

  function memberRow(m, leader) {
    const row = document.createElement("tr");
    row.dataset.member = String(m.id);
    const isLeader = m.reachable && m.id === leader;
    row.className = !m.reachable ? "unreachable" : isLeader ? "leader" : "";
    row.appendChild(text("td", m.name + (m.self ? " (this member)" : "")));
    const role = text("td", m.reachable ? m.role : "");
    role.dataset.role = m.reachable ? m.role : "";
    row.appendChild(role);
    const state = text("td", m.reachable ? "reachable" : "unreachable: " + m.error);
    state.className = "state";
    row.appendChild(state);
    row.appendChild(text("td", m.client));
    const page = document.createElement("td");
    if (typeof m.http === "string" && HOST_PORT.test(m.http)) {
      const link = document.createElement("a");
      // A link only to a plain host:port a member reported; the rest of the URL is the page's own.
      link.href = "http://" + m.http + "/";
      link.textContent = m.http;
      page.appendChild(link);
    }
    row.appendChild(page);
    for (const figure of [m.ballot, m.chosen, m.applied, m.revision]) {
      row.appendChild(text("td", m.reachable ? figure : "", "num"));
    }
    for (const figure of [m.dbSizeBytes, m.walBytes, m.snapshotBytes]) {
      row.appendChild(text("td", m.reachable ? bytes(figure) : "", "num"));
    }
    return row;
  }

  function render(status) {
    document.title = "Synod member " + status.member;
    document.getElementById("title-member").textContent = "member " + status.member;
    const summary = document.getElementById("summary");
    if (status.leader) {
      summary.textContent = "Leader: member " + status.leader;
      summary.className = "";
    } else {
      summary.textContent = "No leader known to this member";
      summary.className = "bad";
    }
    summary.dataset.leader = String(status.leader || 0);
    const body = document.querySelector("#members tbody");
    body.replaceChildren(...status.members.map((m) => memberRow(m, status.leader)));
    const changes = document.querySelector("#leader-changes tbody");
    changes.replaceChildren(...status.leaderChanges.slice().reverse().map((c) => {
      const row = document.createElement("tr");
      row.appendChild(text("td", time(c.timeMillis)));
      row.appendChild(text("td", c.leader ? "member " + c.leader : "none"));
      row.appendChild(text("td", c.ballot, "num"));
      return row;
    }));
    document.getElementById("no-changes").hidden = status.leaderChanges.length > 0;
    document.getElementById("updated").textContent =
      "Cluster " + status.clusterId + ", updated " + time(status.timeMillis);
  }

  function unreachable(reason) {
    const summary = document.getElementById("summary");
    summary.textContent = "This member does not answer: " + reason;
    summary.className = "bad";
    summary.dataset.leader = "";
  }

  async function poll() {
    try {
      const response = await fetch("status.json", { cache: "no-store" });
      if (!response.ok) {
        unreachable("HTTP " + response.status);
      } else {
        render(await response.json());
      }
    } catch (e) {
      unreachable(e.message);
    } finally {
      setTimeout(poll, POLL_MILLIS);
    }
  }

  poll();
})();
