// The demo organisation as different roles see it: the bureau leader sees the whole city, a
// county's discipline liaison only that county, the audit administrator only the audit log.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, browser, newPage, shot } from "./lib.mjs";

let server, b;

before(async () => {
  server = await startServer("demo", { demo: true });
  b = await browser();
});

after(async () => {
  await b?.close();
  if (server) await server.stop();
});

async function loginAs(username, newPw) {
  const login = server.logins.find((l) => l.username === username);
  assert.ok(login, `demo login ${username}`);
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

test("the demo prints a login for every role", () => {
  const roles = new Set(server.logins.map((l) => l.role));
  for (const r of ["系统管理员", "安全管理员", "审计管理员", "派驻纪检监察组", "党组办公室/政治部", "单位领导", "纪检联络员", "干部"]) {
    assert.ok(roles.has(r), r);
  }
});

test("the bureau leader sees the whole city", async () => {
  const page = await loginAs("juzhang", "Qy-Leader#2026x");
  await shot(page, "20-leader-home.png");
  await page.goto(server.url + "/org/units");
  const text = await page.textContent("main");
  for (const u of ["清源市司法局", "市强制隔离戒毒所", "市公证处", "东湖区司法局", "丰安县司法局", "城关司法所"]) assert.match(text, new RegExp(u));
  await shot(page, "21-units-tree.png");
  await page.goto(server.url + "/org/people");
  assert.match(await page.textContent(".pager"), /共 3\d\d 条/);
  await shot(page, "22-people.png");
  assert.deepEqual(page.problems, []);
});

test("a county liaison sees only that county", async () => {
  const page = await loginAs("donghu_llyu", "Dh-Liaison#2026x");
  await page.goto(server.url + "/org/units");
  const text = await page.textContent("main");
  assert.match(text, /东湖区司法局/);
  assert.doesNotMatch(text, /西山区司法局|市公证处/);
  await shot(page, "23-liaison-units.png");
  // A unit of another county answers 404.
  const other = await page.goto(server.url + "/org/people?name=%E5%B1%80%E9%95%BF");
  assert.equal(other.status(), 200);
  assert.doesNotMatch(await page.textContent("main"), /西山区司法局/);
});

test("the audit administrator sees the audit log and nothing else", async () => {
  const page = await loginAs("auditadmin", "Qy-Audit#2026xy");
  await page.goto(server.url + "/admin/audit");
  await page.click("text=校验完整性");
  await page.waitForSelector(".flash");
  assert.match(await page.textContent(".flash"), /校验通过/);
  await shot(page, "24-audit.png");
  const r = await page.goto(server.url + "/org/people");
  assert.equal(r.status(), 403);
  await shot(page, "25-forbidden.png");
});
