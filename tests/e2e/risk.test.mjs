// 廉政风险防控 in the browser, on the demo organisation: the party-group office launches a
// screening over one county, the county's liaison reviews its risk points (one through the form,
// the rest through the same session's API), is refused a sign-off while points are unreviewed,
// signs off, and the office closes the screening, which freezes the results.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, browser, newPage, shot } from "./lib.mjs";

let server, b;

before(async () => {
  server = await startServer("risk", { demo: true });
  b = await browser();
});

after(async () => {
  await b?.close();
  if (server) await server.stop();
});

async function loginAs(username, newPw) {
  const login = server.logins.find((l) => l.username === username);
  const page = await newPage(b);
  await page.goto(server.url + "/login");
  await page.fill("#username", username);
  await page.fill("#password", login.password);
  await page.click("main button[type=submit]");
  await page.waitForURL(/\/account\/password$/);
  await page.fill("#current", login.password);
  await page.fill("#new", newPw);
  await page.fill("#confirm", newPw);
  await page.click("main button[type=submit]");
  await page.waitForURL(server.url + "/");
  return page;
}

let office, liaison, campaignUrl;
const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);

test("the register, a risk point, the heat map and rotation hints", async () => {
  liaison = await loginAs("donghu_llyu", "Dh-Liaison#2026x");
  await liaison.goto(server.url + "/risk");
  assert.match(await liaison.textContent("main"), /东湖区司法局/);
  assert.doesNotMatch(await liaison.textContent("tbody"), /西山区司法局/);
  await shot(liaison, "30-risk-register.png");
  await liaison.selectOption("#f-level", "high");
  await liaison.click("form.filters button[type=submit]");
  await liaison.waitForURL(/level=high/);
  const levels = await liaison.$$eval("tbody .level", (els) => els.map((e) => e.textContent.trim()));
  assert.ok(levels.length > 0 && levels.every((l) => l === "高"));
  await liaison.click("tbody a >> nth=0");
  await liaison.waitForSelector("h2:has-text('防控措施')");
  await shot(liaison, "31-risk-point.png");
  await liaison.goto(server.url + "/risk/heatmap");
  await liaison.waitForSelector(".heatmap svg");
  await shot(liaison, "32-heatmap.png");
  await liaison.goto(server.url + "/risk/rotation");
  await shot(liaison, "33-rotation.png");
});

test("the office launches a screening over one county", async () => {
  office = await loginAs("zzb", "Qy-Office#2026x");
  await office.goto(server.url + "/risk/campaigns/new");
  await office.fill("#title", "2026年东湖区岗位廉政风险专项排查");
  await office.check("label:has-text('东湖区司法局') input");
  await office.fill("#working_days", "10");
  await shot(office, "34-campaign-new.png");
  await office.click("main button[type=submit]");
  await office.waitForSelector("table.progress-table");
  campaignUrl = office.url();
  assert.match(await office.textContent(".flash"), /已创建/);
  assert.match(await office.textContent("table.progress-table"), /未开始/);
  await shot(office, "35-campaign-launched.png");
});

test("the liaison cannot sign off before reviewing everything", async () => {
  await liaison.goto(campaignUrl);
  await liaison.click("button:has-text('签报确认')");
  await liaison.waitForSelector(".alert");
  assert.match(await liaison.textContent(".alert"), /未在本次排查中复核/);
  await shot(liaison, "36-signoff-refused.png");
});

test("the liaison reviews every point of the county and signs off", async () => {
  // One review through the form, as a person would.
  await liaison.goto(campaignUrl);
  await liaison.click("table.progress-table tbody a");
  await liaison.waitForURL(/\/risk\?unit=/);
  await liaison.click("tbody a >> nth=0");
  await liaison.waitForSelector("#r-date");
  await liaison.fill("#r-date", today);
  await liaison.selectOption("#r-conclusion", "effective");
  await liaison.fill("#r-notes", "经排查，措施落实到位。");
  await liaison.click("button:has-text('记录复核')");
  await liaison.waitForSelector(".flash");
  assert.match(await liaison.textContent("#reviews"), /排查/);
  await shot(liaison, "37-review-recorded.png");
  // The rest through the API, in the same signed-in session.
  const csrf = await liaison.getAttribute("input[name=_csrf]", "value");
  let page = 1;
  const ids = [];
  for (;;) {
    const r = await liaison.request.get(`${server.url}/api/v1/risks?per_page=200&page=${page}`);
    const j = await r.json();
    ids.push(...j.items.filter((x) => x.last_review_on !== today).map((x) => x.id));
    if (page * 200 >= j.total) break;
    page++;
  }
  for (const id of ids) {
    const r = await liaison.request.post(`${server.url}/api/v1/risks/${id}/reviews`, {
      headers: { "x-csrf-token": csrf, "content-type": "application/json" },
      data: { reviewed_on: today, conclusion: "effective", notes: "排查复核" },
    });
    assert.equal(r.status(), 201, await r.text());
  }
  await liaison.goto(campaignUrl);
  await liaison.fill("table.progress-table input[name=note]", "本单位风险点已全部复核，措施落实。");
  await liaison.click("button:has-text('签报确认')");
  await liaison.waitForSelector(".flash");
  assert.match(await liaison.textContent(".flash"), /已签报/);
  assert.match(await liaison.textContent("table.progress-table"), /已签报/);
  await shot(liaison, "38-signed-off.png");
});

test("the office closes the screening and the result is frozen", async () => {
  await office.goto(campaignUrl);
  await office.click("button:has-text('结束排查')");
  await office.waitForSelector(".flash");
  assert.match(await office.textContent("main"), /结果已冻结/);
  assert.match(await office.textContent("table.progress-table"), /已签报/);
  await shot(office, "39-campaign-closed.png");
  await office.goto(server.url + "/risk/campaigns");
  await shot(office, "40-campaigns.png");
  // Exports and the print view.
  await office.goto(server.url + "/risk");
  const [dl] = await Promise.all([office.waitForEvent("download"), office.click("text=导出 Excel")]);
  assert.match(dl.suggestedFilename(), /风险点清单.*\.xlsx$/);
  await office.goto(server.url + "/risk/print?level=high");
  assert.match(await office.textContent("h1"), /岗位廉政风险点清单/);
  await shot(office, "41-print.png");
  assert.deepEqual(office.problems, []);
  assert.deepEqual(liaison.problems, []);
});
