// 主体责任 in the browser, on the demo organisation: the political department (政治部) drafts
// next year's responsibility list for the city, is told when an item lacks a deadline rule,
// adds a monthly and a quarterly item, cascades them to two county bureaus and publishes; the
// 东湖区 liaison records January's task with the meeting minutes attached; the department
// accepts it with a rating and sees 东湖区's score change; the matrix and calendar show the year.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, browser, newPage, shot } from "./lib.mjs";

let server, b, zzb, llyu, listUrl;
const YEAR = new Date().getFullYear() + 1;

before(async () => {
  server = await startServer("duty", { demo: true });
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

async function scoreOf(page, unitName) {
  await page.goto(`${server.url}/duty/scores?year=${YEAR}`);
  const row = page.locator("table.grid > tbody > tr", { hasText: unitName }).first();
  return (await row.locator("td.score").textContent()).trim();
}

test("the department drafts, checks and publishes next year's list to two county bureaus", async () => {
  zzb = await loginAs("zzb", "Zheng-Zhi#2026x");
  await zzb.click("nav >> text=主体责任");
  await zzb.waitForSelector(".tabs");
  await zzb.click(".tabs >> text=责任清单");
  await zzb.click("text=新建责任清单");
  const city = await zzb.$eval("#unit", (s) => [...s.options].find((o) => o.textContent.trim() === "清源市司法局").value);
  await zzb.selectOption("#unit", city);
  await zzb.fill("#year", String(YEAR));
  await zzb.fill("#title", `${YEAR}年度党风廉政建设主体责任清单`);
  await zzb.click("main button[type=submit]");
  await zzb.waitForURL(/\/duty\/lists\/[0-9a-f-]+$/);
  listUrl = zzb.url();

  // An item without a deadline rule is refused, naming the field.
  await zzb.click("#items summary");
  await zzb.selectOption("#category", "party_group");
  await zzb.fill("#content", "每季度专题研究党风廉政建设工作，形成会议纪要");
  await zzb.selectOption("#cadence", "quarterly");
  await zzb.fill("#rule_days", "");
  await zzb.selectOption("#rule_kind", "");
  await zzb.click("#items form button[type=submit]");
  await zzb.waitForSelector(".field-error");
  assert.match(await zzb.textContent(".alert"), /完成时限规则/);
  await shot(zzb, "80-duty-item-needs-rule.png");
  // Now with the rule: 10 working days after the quarter; and a monthly item.
  await zzb.fill("#rule_days", "10");
  await zzb.selectOption("#rule_kind", "working");
  await zzb.fill("#weight", "5");
  await zzb.click("#items form button[type=submit]");
  await zzb.waitForURL(/#items$/);
  await zzb.click("#items summary");
  await zzb.selectOption("#category", "party_group");
  await zzb.fill("#content", "每月召开党风廉政建设工作例会");
  await zzb.selectOption("#cadence", "monthly");
  await zzb.fill("#rule_days", "5");
  await zzb.selectOption("#rule_kind", "working");
  await zzb.fill("#weight", "3");
  await zzb.click("#items form button[type=submit]");
  await zzb.waitForURL(/#items$/);
  assert.match(await zzb.textContent("#items table"), /期末后第 5 个工作日/);

  // Two county bureaus.
  await zzb.click("#targets summary");
  for (const name of ["东湖区司法局", "西山区司法局"]) {
    await zzb.locator("#targets label.check", { hasText: name }).first().locator("input").check();
  }
  await zzb.click("#targets form button[type=submit]");
  await zzb.waitForURL(/#targets$/);
  assert.match(await zzb.textContent("#targets dl"), /东湖区司法局、西山区司法局|西山区司法局、东湖区司法局/);
  await shot(zzb, "81-duty-list-draft.png");
  await zzb.click("#publish button[type=submit]");
  await zzb.waitForSelector("text=已发布");
  // 2 bureaus × (12 months + 4 quarters)
  assert.match(await zzb.textContent("main"), /已生成任务 32 项/);
  await shot(zzb, "82-duty-list-published.png");
});

test("the 东湖区 liaison records January with the minutes attached", async () => {
  llyu = await loginAs("donghu_llyu", "Dong-Hu#2026x");
  await llyu.goto(`${server.url}/duty?view=unit&year=${YEAR}`);
  await llyu.click(`table.grid a:has-text("例会") >> nth=0`);
  await llyu.waitForSelector("#record");
  assert.match(await llyu.textContent("h1"), new RegExp(`${YEAR}年1月`));
  await llyu.fill("#place", "东湖区司法局三楼会议室");
  await llyu.fill("#participants", "局班子成员、各股室负责人");
  await llyu.fill("#content", "召开1月党风廉政建设工作例会，通报廉政风险排查情况，部署春节前廉洁提醒。");
  await llyu.setInputFiles("#files", { name: "1月例会记录.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n1月例会记录\n%%EOF") });
  await shot(llyu, "83-duty-record-form.png");
  await llyu.click("#record button[type=submit]");
  await llyu.waitForSelector("#records .step");
  assert.match(await llyu.textContent("#records"), /1月例会记录\.pdf/);
  assert.match(await llyu.textContent("h1"), /待验收/);
});

test("the department accepts it and 东湖区's score changes", async () => {
  const before = await scoreOf(zzb, "东湖区司法局");
  assert.equal(before, "—", "nothing of next year counts yet");
  await zzb.goto(`${server.url}/duty?view=review&year=${YEAR}`);
  await zzb.click(`table.grid a:has-text("例会") >> nth=0`);
  await zzb.waitForSelector("#review");
  await shot(zzb, "84-duty-review.png");
  await zzb.selectOption("#rating", "excellent");
  await zzb.fill("#note", "记录完整，材料齐全");
  await zzb.click("#review button[value=accept]");
  await zzb.waitForSelector("text=验收通过。");
  assert.match(await zzb.textContent("h1"), /已验收/);
  const after = await scoreOf(zzb, "东湖区司法局");
  assert.notEqual(after, before);
  assert.ok(Number(after) > 0, after);
  await zzb.click("tr.breakdown summary >> nth=0");
  await shot(zzb, "85-duty-scores.png");
  const xlsx = await zzb.request.get(`${server.url}/duty/scores/export.xlsx?year=${YEAR}`);
  assert.equal(xlsx.status(), 200);
  assert.equal((await xlsx.body()).subarray(0, 2).toString(), "PK");
});

test("the matrix and the calendar show the year", async () => {
  await zzb.goto(`${server.url}/duty/matrix?year=${YEAR}`);
  const row = zzb.locator("table.matrix tbody tr", { hasText: "东湖区司法局" }).first();
  assert.equal(await row.locator("td.cell").first().getAttribute("class"), "cell c-done");
  await shot(zzb, "86-duty-matrix.png");
  // This year's demo list: the month calendar and 东湖区's progress.
  await zzb.goto(`${server.url}/duty/calendar`);
  await zzb.waitForSelector("table.month");
  await shot(zzb, "87-duty-calendar.png");
  await zzb.goto(`${server.url}/duty/matrix`);
  assert.ok((await zzb.locator("table.matrix td.c-red").count()) > 0, "西山区 is behind this year");
  await shot(zzb, "88-duty-matrix-this-year.png");
});
