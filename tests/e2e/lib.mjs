// Shared helpers for the browser tests: start a real `qinglian serve` on a fresh database,
// drive Debian's Chromium through playwright-core, write small .xlsx files, take screenshots.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateRawSync } from "node:zlib";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, "../..");
export const bin = process.env.QINGLIAN_BIN || join(root, "target/debug/qinglian");
export const shots = process.env.QINGLIAN_SCREENSHOTS || join(root, "target/e2e-screenshots");

/** Which database the browser tests run on: "sqlite" (default) or "postgres". */
export const backend = process.env.QINGLIAN_E2E_BACKEND || "sqlite";

/** A fresh database URL for one server: a new SQLite file, or a new PostgreSQL database. */
function freshDatabase(dataDir, name) {
  if (backend !== "postgres") return null;
  const admin = process.env.QINGLIAN_TEST_PG;
  if (!admin) throw new Error("QINGLIAN_E2E_BACKEND=postgres needs QINGLIAN_TEST_PG");
  const db = `qle2e_${name}_${process.pid}`;
  execFileSync("psql", [admin, "-q", "-v", "ON_ERROR_STOP=1", "-c", "SET client_min_messages = warning", "-c", `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`, "-c", `CREATE DATABASE "${db}"`]);
  const u = new URL(admin);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Run the CLI synchronously (demo, audit verify). */
export function cli(args, env = {}) {
  return execFileSync(bin, args, { env: { ...process.env, ...env }, encoding: "utf8" });
}

/** Start a server on a random port. Resolves with { url, setupCode, stop, dataDir, env }. */
export async function startServer(name, { demo = false } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), `qinglian-e2e-${name}-`));
  const env = { ...process.env, QINGLIAN_LOG: "warn" };
  const dbUrl = freshDatabase(dataDir, name);
  if (dbUrl) env.DATABASE_URL = dbUrl;
  else delete env.DATABASE_URL;
  let logins = null;
  if (demo) {
    logins = JSON.parse(execFileSync(bin, ["--data-dir", dataDir, "demo", "--json"], { env, encoding: "utf8" })).logins;
  }
  const child = spawn(bin, ["--data-dir", dataDir, "serve", "--bind", "127.0.0.1:0"], { env });
  let out = "";
  const ready = new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${out}`)), 30000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/清廉已启动：(http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (c) => fail(new Error(`server exited ${c}:\n${out}`)));
  });
  const url = await ready;
  const code = (out.match(/一次性设置码：([A-Z0-9-]+)/) || [])[1];
  return {
    url,
    setupCode: code,
    logins,
    dataDir,
    env,
    output: () => out,
    stop: () => new Promise((r) => { child.on("exit", r); child.kill("SIGTERM"); }),
  };
}

/** Launch headless Chromium (Debian's), with the flags this machine needs. */
export async function browser() {
  const exe = process.env.CHROMIUM || ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
  if (!exe) throw new Error("Chromium not found (apt-get install chromium fonts-wqy-microhei)");
  return chromium.launch({
    executablePath: exe,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A page at 1366×768 that fails the test on any console error or CSP violation. */
export async function newPage(b) {
  const ctx = await b.newContext({ viewport: { width: 1366, height: 768 }, locale: "zh-CN", acceptDownloads: true });
  const page = await ctx.newPage();
  page.problems = [];
  // Deliberate 4xx answers (validation errors) are logged by Chromium too; they are not problems.
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) page.problems.push(m.text());
  });
  page.on("pageerror", (e) => page.problems.push(String(e)));
  page.on("dialog", (d) => d.accept());
  return page;
}

export async function shot(page, file) {
  mkdirSync(join(shots, backend), { recursive: true });
  await page.screenshot({ path: join(shots, backend, file), fullPage: true });
}

// ------------------------------------------------------------------ a minimal .xlsx writer
// Enough of SpreadsheetML for the import tests: inline strings, several sheets, stored zip.

const crcTable = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function zip(files) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const [name, text] of files) {
    const data = Buffer.from(text, "utf8");
    const packed = deflateRawSync(data);
    const nameBuf = Buffer.from(name, "utf8");
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    parts.push(local, nameBuf, packed);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt16LE(20, 4);
    cen.writeUInt16LE(20, 6);
    cen.writeUInt16LE(0x0800, 8);
    cen.writeUInt16LE(8, 10);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(packed.length, 20);
    cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(nameBuf.length, 28);
    cen.writeUInt32LE(offset, 42);
    central.push(cen, nameBuf);
    offset += 30 + nameBuf.length + packed.length;
  }
  const cenBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cenBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cenBuf, end]);
}

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const col = (i) => String.fromCharCode(65 + i);

/** Write a workbook: sheets = [[name, [[cell, …], …]], …]. Returns the file path. */
export function writeXlsx(path, sheets) {
  const files = [
    ["[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>${sheets.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join("")}</Types>`],
    ["_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    ["xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>${sheets.map(([n], i) => `<sheet name="${esc(n)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join("")}</sheets></workbook>`],
    ["xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join("")}</Relationships>`],
  ];
  sheets.forEach(([, rows], i) => {
    const body = rows
      .map((r, ri) => `<row r="${ri + 1}">${r.map((v, ci) => `<c r="${col(ci)}${ri + 1}" t="inlineStr"><is><t>${esc(v)}</t></is></c>`).join("")}</row>`)
      .join("");
    files.push([`xl/worksheets/sheet${i + 1}.xml`, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${body}</sheetData></worksheet>`]);
  });
  writeFileSync(path, zip(files));
  return path;
}
