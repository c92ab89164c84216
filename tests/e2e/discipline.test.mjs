// 监督执纪 in the browser, on the demo organisation: the 派驻纪检监察组 looks at the four-forms
// table, the measures and a dossier; the political department (政治部) asks for integrity
// opinions on three people typed by staff number, one of them in an influence period; the
// group sees the blockers with their rule and source, takes the suggestions, answers with a
// reply number, and downloads the reply letter, which is opened and read; the department then
// sees the conclusions.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, browser, newPage, shot } from "./lib.mjs";

let server, b, jjz, zzb, blocked, clean, requestUrl;
const dir = mkdtempSync(join(tmpdir(), "qinglian-disc-"));

before(async () => {
  server = await startServer("discipline", { demo: true });
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

async function api(page, path) {
  const r = await page.request.get(server.url + path);
  assert.equal(r.status(), 200, path);
  return r.json();
}

test("the group sees the four forms, the measures and a dossier", async () => {
  jjz = await loginAs("jjz", "Zhu-Group#2026x");
  await jjz.click("nav >> text=监督执纪");
  await jjz.waitForSelector("#four-forms");
  const table = await jjz.textContent("#four-forms");
  assert.match(table, /第一种形态/);
  assert.match(table, /东湖区司法局/);
  await shot(jjz, "70-disc-overview.png");
  await jjz.click(".tabs >> text=处置措施");
  await jjz.waitForSelector("table.grid");
  assert.match(await jjz.textContent("main"), /党内严重警告/);
  await shot(jjz, "71-disc-measures.png");
  // The person with the serious warning: in an influence period, with the article cited.
  const list = await api(jjz, "/api/v1/discipline/measures?kind=party_serious_warning");
  blocked = list.items[0].person;
  const person = await api(jjz, `/api/v1/people/${blocked.id}`);
  blocked.staff_no = person.staff_no;
  await jjz.goto(server.url + `/discipline/people/${blocked.id}`);
  const main = await jjz.textContent("main");
  assert.match(main, /处于影响期/);
  assert.match(main, /纪律处分条例/);
  await shot(jjz, "72-disc-dossier.png");
  // Two people of the city office with nothing on record.
  const units = await api(jjz, "/api/v1/units?per_page=200");
  const bgs = units.items.find((u) => u.code === "QY-BGS");
  const staff = await api(jjz, `/api/v1/people?unit=${bgs.id}&per_page=50`);
  clean = [];
  for (const p of staff.items) {
    if (!p.staff_no || clean.length === 2) continue;
    const s = await api(jjz, `/api/v1/discipline/people/${p.id}/standing`);
    if (s.standing === "clean") clean.push(p);
  }
  assert.equal(clean.length, 2);
});

test("the political department asks for opinions on three people", async () => {
  zzb = await loginAs("zzb", "Zheng-Zhi#2026x");
  await zzb.goto(server.url + "/discipline/opinions");
  await zzb.click("text=征求廉政意见");
  await zzb.fill("#title", `关于征求${clean[0].name}等3名同志廉政意见的函`);
  await zzb.selectOption("#purpose", "promotion");
  await zzb.fill("#doc_no", "清司政函〔2026〕21号");
  // A name that is nobody first: the form says which one, next to the field.
  await zzb.fill("#people", `${clean[0].staff_no}\n查无此人`);
  await zzb.click("main form button[type=submit]");
  await zzb.waitForSelector(".field-error");
  assert.match(await zzb.textContent(".field-error"), /未找到人员“查无此人”/);
  await zzb.fill("#people", [clean[0].staff_no, blocked.staff_no, clean[1].staff_no].join("\n"));
  await shot(zzb, "73-disc-opinion-new.png");
  await zzb.click("main form button[type=submit]");
  await zzb.waitForSelector(".flash");
  requestUrl = zzb.url();
  assert.match(requestUrl, /\/discipline\/opinions\/[0-9a-f-]{36}$/);
  const main = await zzb.textContent("main");
  assert.match(main, /待回复/);
  // The department sees the names, not the records behind them.
  assert.ok(!/党内严重警告/.test(main), "the office must not see the sanctions");
});

test("the group answers, one person blocked, and opens the reply letter", async () => {
  await jjz.goto(server.url + "/discipline/opinions?status=open");
  await jjz.click(`text=关于征求${clean[0].name}等3名同志廉政意见的函`);
  await jjz.waitForURL(requestUrl);
  const row = jjz.locator(`tr[data-person="${blocked.name}"]`);
  assert.match(await row.textContent(), /党内严重警告影响期/);
  assert.match(await row.textContent(), /纪律处分条例/);
  assert.match(await row.textContent(), /不宜提拔任用/);
  for (const p of clean) {
    assert.match(await jjz.locator(`tr[data-person="${p.name}"]`).textContent(), /暂未发现影响提拔任用的问题/);
  }
  // Overriding a suggestion without a reason is refused, naming the person.
  await jjz.selectOption(`select[name="c_${clean[1].id}"]`, "defer");
  await jjz.fill("#reply_doc_no", "清纪组函〔2026〕15号");
  await jjz.click("#answer-form button[type=submit]");
  await jjz.waitForSelector(".alert");
  assert.match(await jjz.textContent(".alert"), new RegExp(`${clean[1].name}.*理由`));
  await jjz.selectOption(`select[name="c_${clean[1].id}"]`, "no_issue");
  await shot(jjz, "74-disc-opinion-answer.png");
  await jjz.click("#answer-form button[type=submit]");
  await jjz.waitForSelector(".flash");
  assert.match(await jjz.textContent("main"), /已回复/);
  await shot(jjz, "75-disc-opinion-answered.png");
  const [download] = await Promise.all([jjz.waitForEvent("download"), jjz.click("#reply-docx")]);
  assert.match(download.suggestedFilename(), /\.docx$/);
  const path = join(dir, "reply.docx");
  await download.saveAs(path);
  const bytes = readFileSync(path);
  assert.equal(bytes.subarray(0, 2).toString(), "PK", "a zip package");
  // The parts are stored uncompressed: the letter's text is readable in the package.
  const xml = bytes.toString("utf8");
  assert.match(xml, /word\/document\.xml/);
  for (const s of ["清纪组函〔2026〕15号", "关于", "廉政情况的复函", blocked.name, clean[0].name, clean[1].name, "不宜提拔任用", "暂未发现影响提拔任用的问题", "特此函复", "清司政函〔2026〕21号"]) {
    assert.ok(xml.includes(s), `${s} missing from the reply letter`);
  }
  assert.deepEqual(jjz.problems, []);
});

test("the department reads the conclusions", async () => {
  await zzb.goto(requestUrl);
  const main = await zzb.textContent("main");
  assert.match(main, /已回复/);
  assert.match(main, /不宜提拔任用/);
  assert.match(main, /清纪组函〔2026〕15号/);
  await shot(zzb, "76-disc-opinion-office.png");
  assert.deepEqual(zzb.problems, []);
});
