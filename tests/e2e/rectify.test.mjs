// 整改台账 in the browser, on the demo organisation: the 派驻纪检监察组 registers a feedback batch
// for the 东湖区 bureau, imports its ledger (one bad file first, its errors shown), the daily
// deadline check sends a red warning that the county bureau head finds in his inbox, the
// county's liaison reports progress with evidence and submits the self-assessment, the group
// returns one and closes both, and the batch shows 整改工作全部完成.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, browser, newPage, shot, writeXlsx, cli } from "./lib.mjs";

let server, b, jjz, liaison, head, batchUrl;
const dir = mkdtempSync(join(tmpdir(), "qinglian-rect-"));
const day = (offset) => new Date(Date.now() + 8 * 3600 * 1000 + offset * 86400000).toISOString().slice(0, 10);

before(async () => {
  server = await startServer("rectify", { demo: true });
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

test("the discipline group registers a feedback batch", async () => {
  jjz = await loginAs("jjz", "Zhu-Group#2026x");
  await jjz.goto(server.url + "/rect");
  await shot(jjz, "50-rect-ledger.png");
  await jjz.click("text=登记反馈批次");
  await jjz.fill("#title", "派驻纪检监察组关于东湖区司法局作风建设专项检查发现问题的反馈");
  await jjz.selectOption("#source", "discipline");
  await jjz.fill("#issuer", "市纪委监委派驻市委政法委纪检监察组");
  await jjz.fill("#feedback_on", day(-30));
  await jjz.check("label:has-text('东湖区司法局') input");
  // No report deadline for a 派驻组 feedback: the form says so, next to the field.
  await jjz.click("main form button[type=submit]");
  await jjz.waitForSelector(".field-error");
  assert.match(await jjz.textContent("main"), /整改报告时限.*必填/);
  await jjz.fill("#report_due_on", day(30));
  await shot(jjz, "51-rect-batch-new.png");
  await jjz.click("main form button[type=submit]");
  await jjz.waitForSelector(".flash");
  batchUrl = jjz.url();
  assert.match(batchUrl, /\/rect\/batches\/[0-9a-f-]{36}$/);
});

test("the ledger is imported: errors listed first, then every row", async () => {
  const units = await api(jjz, "/api/v1/units?per_page=200");
  const dh = units.items.find((u) => u.code === "QY-DH");
  const bgs = units.items.find((u) => u.code === "DH-BGS");
  const staff = await api(jjz, `/api/v1/people?unit=${bgs.id}&per_page=50`);
  const owner = staff.items.find((p) => p.unit === bgs.id);
  const headName = server.logins.find((l) => l.username === "donghu_jz").person;
  const title = [["东湖区司法局作风建设专项检查反馈问题整改台账"]];
  const header = ["序号", "问题", "整改措施", "责任单位", "责任人", "责任领导", "完成时限", "整改进展", "完成情况", "销号情况"];
  const rows = [
    ["1", "公务接待未执行“一单一函”制度", "1. 补齐接待审批单；2. 建立接待清单制", "DH-BGS", owner.staff_no, headName, day(-3), "", "", ""],
    ["2", "政务公开栏信息更新不及时", "每月更新公开栏并留存照片", "QY-DH", owner.staff_no, headName, "立行立改", "", "", ""],
  ];
  // A bad file: an unknown unit and an unreadable deadline.
  const bad = writeXlsx(join(dir, "bad.xlsx"), [["整改台账", [...title, header, rows[0], ["2", "窗口纪律松散", "", "不存在的单位", owner.staff_no, "", "尽快", "", "", ""]]]]);
  await jjz.goto(batchUrl + "/import");
  await jjz.setInputFiles("#file", bad);
  await jjz.click("main button[type=submit]");
  await jjz.waitForSelector("table.import-errors");
  const errors = await jjz.textContent("table.import-errors");
  assert.match(errors, /不存在的单位/);
  assert.match(errors, /尽快/);
  await shot(jjz, "52-rect-import-errors.png");
  const good = writeXlsx(join(dir, "good.xlsx"), [["整改台账", [...title, header, ...rows]]]);
  await jjz.setInputFiles("#file", good);
  await jjz.click("main button[type=submit]");
  await jjz.waitForSelector(".flash");
  assert.match(await jjz.textContent(".flash"), /新增问题 2 个/);
  await jjz.goto(batchUrl);
  assert.match(await jjz.textContent("main"), /公务接待未执行/);
  assert.match(await jjz.textContent("main"), /逾期/);
  await shot(jjz, "53-rect-batch.png");
  assert.equal(dh.name, "东湖区司法局");
});

test("the daily check sends a red warning the county head finds in his inbox", async () => {
  const out = cli(["--data-dir", server.dataDir, "jobs", "run", "deadlines"], server.env);
  assert.match(out, /到期检查完成/);
  head = await loginAs("donghu_jz", "Dh-Head#2026x");
  const badge = await head.textContent(".inbox-link .badge");
  assert.ok(Number(badge) >= 1, badge);
  await head.click(".inbox-link");
  await head.waitForSelector(".inbox");
  const text = await head.textContent(".inbox");
  assert.match(text, /【红色预警】整改问题“公务接待未执行/);
  await shot(head, "54-rect-inbox-red.png");
  await head.click("button.linklike:has-text('公务接待未执行')");
  await head.waitForURL(/\/rect\/[0-9a-f-]{36}$/);
  assert.match(await head.textContent("main"), /红色：已逾期/);
  await shot(head, "55-rect-problem-red.png");
});

test("the liaison reports progress with evidence and submits", async () => {
  liaison = await loginAs("donghu_llyu", "Dh-Liaison#2026x");
  const pdf = join(dir, "整改报告.pdf");
  writeFileSync(pdf, "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
  const exe = join(dir, "照片.pdf");
  writeFileSync(exe, Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00]));
  await liaison.goto(batchUrl);
  for (const [k, name] of [[0, "公务接待未执行"], [1, "政务公开栏"]]) {
    await liaison.goto(batchUrl);
    await liaison.click(`tbody a:has-text('${name}')`);
    await liaison.waitForSelector("#progress");
    if (k === 0) {
      // An executable named .pdf is refused, and the text typed is kept.
      await liaison.fill("#p-text", "已补齐2025年以来接待审批单46份，建立接待清单制。");
      await liaison.setInputFiles("#p-files", exe);
      await liaison.click("#progress button:has-text('保存进展')");
      await liaison.waitForSelector(".alert");
      assert.match(await liaison.textContent(".alert"), /可执行程序/);
      assert.match(await liaison.inputValue("#p-text"), /接待审批单46份/);
      await shot(liaison, "56-rect-evidence-refused.png");
    } else {
      await liaison.fill("#p-text", "公开栏已更新，建立每月更新台账。");
    }
    await liaison.setInputFiles("#p-files", pdf);
    await liaison.click("#progress button:has-text('保存进展')");
    await liaison.waitForSelector(".flash");
    assert.match(await liaison.textContent("#history"), /整改报告\.pdf/);
    await liaison.fill("#s-text", "整改措施已全部落实，申请销号。");
    await liaison.click("button:has-text('提交自评，申请销号')");
    await liaison.waitForSelector(".flash");
    assert.match(await liaison.textContent("h1"), /待销号/);
  }
  await shot(liaison, "57-rect-submitted.png");
});

test("the group returns one, then closes both: the batch is complete", async () => {
  await jjz.goto(batchUrl);
  await jjz.click("tbody a:has-text('政务公开栏')");
  await jjz.waitForSelector("#verify");
  await jjz.fill("#r-text", "请补充公开栏更新前后的照片。");
  await jjz.click("button:has-text('退回继续整改')");
  await jjz.waitForSelector(".flash");
  assert.match(await jjz.textContent("h1"), /整改中/);
  const problemUrl = jjz.url();
  await liaison.goto(problemUrl);
  await liaison.fill("#p-text", "已补充更新前后照片。");
  await liaison.click("#progress button:has-text('保存进展')");
  await liaison.waitForSelector(".flash");
  await liaison.fill("#s-text", "已按要求补充材料。");
  await liaison.click("button:has-text('提交自评，申请销号')");
  await liaison.waitForSelector(".flash");
  for (const name of ["政务公开栏", "公务接待未执行"]) {
    await jjz.goto(batchUrl);
    await jjz.click(`tbody a:has-text('${name}')`);
    await jjz.waitForSelector("#verify");
    await jjz.fill("#c-text", "经现场核查、查阅资料，整改到位，同意销号。");
    await jjz.click("button:has-text('同意销号')");
    await jjz.waitForSelector(".flash");
    assert.match(await jjz.textContent("h1"), /已销号/);
  }
  await shot(jjz, "58-rect-closed-history.png");
  await jjz.goto(batchUrl);
  assert.match(await jjz.textContent("main"), /整改工作全部完成/);
  assert.match(await jjz.textContent("main"), /100\.0%/);
  await shot(jjz, "59-rect-batch-complete.png");
  const [dl] = await Promise.all([jjz.waitForEvent("download"), jjz.click("text=导出 Excel")]);
  assert.match(dl.suggestedFilename(), /整改台账.*\.xlsx$/);
  await jjz.goto(server.url + "/rect/print?batch=" + batchUrl.split("/").pop());
  await shot(jjz, "60-rect-print.png");
  await jjz.goto(server.url + "/rect/batches");
  await shot(jjz, "61-rect-batches.png");
  for (const p of [jjz, liaison, head]) assert.deepEqual(p.problems, []);
});
