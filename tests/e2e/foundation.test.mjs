// Foundation, as a new user meets it: first-start setup, forced password change, creating a
// unit, importing the roster template with one bad row (its error shown) and then a good file,
// and the people list. Screenshots go to target/e2e-screenshots/<backend>/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { startServer, browser, newPage, shot, writeXlsx, cli } from "./lib.mjs";

let server, b, page;
const NEW_PW = "Qy-Sys#Admin-2026";

before(async () => {
  server = await startServer("foundation");
  b = await browser();
  page = await newPage(b);
});

after(async () => {
  await b?.close();
  if (server) await server.stop();
});

test("first start: the setup code creates the three administrators", async () => {
  assert.ok(server.setupCode, "the console printed a setup code");
  await page.goto(server.url + "/login");
  assert.match(page.url(), /\/setup$/);
  await page.fill("#code", server.setupCode);
  await page.fill("#root_name", "清源市司法局");
  await page.fill("#root_code", "QY");
  await shot(page, "01-setup.png");
  await page.click("main button[type=submit]");
  await page.waitForSelector("code.secret");
  await shot(page, "02-setup-done.png");
  const rows = await page.$$eval("table.grid tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent.trim())));
  assert.equal(rows.length, 3);
  server.sysPw = rows.find((r) => r[1] === "sysadmin")[2];
});

test("first login forces a password change", async () => {
  await page.goto(server.url + "/login");
  await page.fill("#username", "sysadmin");
  await page.fill("#password", server.sysPw);
  await shot(page, "03-login.png");
  await page.click("main button[type=submit]");
  await page.waitForURL(/\/account\/password$/);
  // A weak password is refused with a message naming the field.
  await page.fill("#current", server.sysPw);
  await page.fill("#new", "password123");
  await page.fill("#confirm", "password123");
  await page.click("main button[type=submit]");
  assert.match(await page.textContent(".alert"), /新密码/);
  await page.fill("#current", server.sysPw);
  await page.fill("#new", NEW_PW);
  await page.fill("#confirm", NEW_PW);
  await shot(page, "04-forced-change.png");
  await page.click("main button[type=submit]");
  await page.waitForURL(server.url + "/");
  assert.match(await page.textContent(".flash"), /密码已修改/);
  await shot(page, "05-home.png");
});

test("create a unit under the bureau", async () => {
  await page.goto(server.url + "/org/units");
  await page.click("text=新建下级单位");
  await page.fill("#name", "法治督察科");
  await page.fill("#code", "QY-FZDC");
  await page.selectOption("#kind", "department");
  await page.click("main button[type=submit]");
  await page.waitForSelector("h1:has-text('法治督察科')");
  assert.match(await page.textContent(".flash"), /已创建/);
  // A duplicate code is refused and named.
  await page.goto(server.url + "/org/units");
  await page.click("text=新建下级单位");
  await page.fill("#name", "重复");
  await page.fill("#code", "QY-FZDC");
  await page.click("main button[type=submit]");
  assert.match(await page.textContent(".alert"), /单位编码已被其他单位使用/);
  await shot(page, "06-unit-duplicate.png");
  await page.goto(server.url + "/org/units");
  await shot(page, "07-units.png");
});

test("roster import: one bad row is shown, nothing written; then a good file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "qinglian-xlsx-"));
  const units = ["单位编码*", "单位名称*", "上级单位编码", "单位类型*", "排序号"];
  const people = ["人员编号*", "姓名*", "性别*", "所在单位编码*", "岗位", "职级*", "职务", "政治面貌*", "是否个人事项报告对象", "状态", "出生日期", "任现岗位时间"];
  const good = [
    ["QY001", "陈建国", "男", "QY-FZDC", "法治督察岗", "正科级", "科长", "中共党员", "否", "在职", "1978-04-12", "2019-03-01"],
    ["QY002", "刘晓燕", "女", "QY-FZDC", "法治督察岗", "一级主任科员", "", "中共党员", "否", "在职", "1986-09-30", "2021-07-01"],
    ["QY003", "周志强", "男", "QY-DH", "领导岗", "正科级", "局长", "中共党员", "否", "在职", "1975-01-20", "2018-01-01"],
  ];
  const unitRows = [units, ["QY-DH", "东湖区司法局", "QY", "县(市、区)司法局", "1"]];
  const bad = writeXlsx(join(dir, "bad.xlsx"), [["单位", unitRows], ["人员", [people, ...good.slice(0, 2), ["QY004", "王五", "男", "QY-FZDC", "", "科员", "", "中共党员", "否", "在职", "1990-02-31", ""]]]]);
  const ok = writeXlsx(join(dir, "good.xlsx"), [["单位", unitRows], ["人员", [people, ...good]]]);
  await page.goto(server.url + "/org/roster/import");
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("text=下载导入模板")]);
  assert.match(dl.suggestedFilename(), /\.xlsx$/);
  await page.setInputFiles("#file", bad);
  await page.click("text=上传并导入");
  await page.waitForSelector("table.import-errors");
  const errs = await page.textContent("table.import-errors");
  assert.match(errs, /4/);
  assert.match(errs, /出生日期/);
  assert.match(await page.textContent(".alert"), /没有导入任何数据/);
  await shot(page, "08-import-errors.png");
  await page.goto(server.url + "/org/people");
  assert.doesNotMatch(await page.textContent("main"), /陈建国/);
  await page.goto(server.url + "/org/roster/import");
  await page.setInputFiles("#file", ok);
  await page.click("text=上传并导入");
  await page.waitForSelector(".flash");
  assert.match(await page.textContent(".flash"), /新增人员 3 人/);
  await shot(page, "09-import-ok.png");
});

test("the people list shows them, filters and exports", async () => {
  await page.goto(server.url + "/org/people");
  const text = await page.textContent("main");
  for (const n of ["陈建国", "刘晓燕", "周志强"]) assert.match(text, new RegExp(n));
  await shot(page, "10-people.png");
  await page.fill("#f-name", "晓燕");
  await page.click("form.filters button[type=submit]");
  const rows = await page.$$("table.grid tbody tr");
  assert.equal(rows.length, 1);
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("text=导出 Excel")]);
  assert.match(dl.suggestedFilename(), /人员名册.*\.xlsx$/);
  await page.click("tbody a:has-text('刘晓燕')");
  await page.waitForSelector("h2:has-text('任职经历')");
  await shot(page, "11-person.png");
});

test("English is one click away", async () => {
  await Promise.all([page.waitForURL(/\/org\/people/, { waitUntil: "load" }), page.waitForResponse((r) => r.url().endsWith("/lang")), page.selectOption("#lang-select", "en")]);
  assert.match(await page.textContent("nav.sidenav"), /Roster/);
  await shot(page, "12-english.png");
  await Promise.all([page.waitForResponse((r) => r.url().endsWith("/lang")), page.selectOption("#lang-select", "zh-CN")]);
  await page.waitForSelector("text=退出");
});

test("logout, and no console errors or CSP violations on any page", async () => {
  await page.click("text=退出");
  await page.waitForURL(/\/login$/);
  assert.match(await page.textContent(".flash"), /安全退出/);
  assert.deepEqual(page.problems, []);
});

test("the audit chain verifies after all of this", async () => {
  const { dataDir, env } = server;
  await server.stop();
  server = null;
  const out = cli(["--data-dir", dataDir, "audit", "verify"], env);
  assert.match(out, /校验通过/);
});
