// The explorer in a real browser (Debian's chromium, driven by playwright-core) against a running
// `zkpay dev`: the page loads, a search finds an account, a transfer made meanwhile appears on the
// open page without a reload, a block opens with its txs, a tx hash and a block number are found.
// A screenshot of each step goes to $SCREENSHOTS. Run by server/cli/tests/explorer_browser.rs,
// which starts the rollup and passes:
//   EXPLORER_URL  the node's base URL          ZKPAY_BIN  the zkpay binary (its wallet pays)
//   ALICE_KEY     the payer's Ethereum key     BOB        the payee's address
//   SCREENSHOTS   where the PNGs go            CHROMIUM   the browser (default /usr/bin/chromium)
//   WORK          a scratch directory (the wallet file)
// Exits 0 when every step held; otherwise prints the failed step and exits 1.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const url = need("EXPLORER_URL").replace(/\/$/, "");
const zkpay = need("ZKPAY_BIN");
const aliceKey = need("ALICE_KEY");
const bob = need("BOB").toLowerCase();
const shots = need("SCREENSHOTS");
const work = need("WORK");
mkdirSync(shots, { recursive: true });

const wallet = (...args) => {
  const env = {
    ...process.env,
    ZKPAY_WALLET: join(work, "alice.json"),
    ZKPAY_WALLET_PASSPHRASE: "explorer test",
    ZKPAY_ETH_KEY: aliceKey,
    ZKPAY_NODE: url,
  };
  return JSON.parse(execFileSync(zkpay, ["wallet", ...args, "--json"], { env, encoding: "utf8" }));
};

let step = "launch chromium";
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  // Without the background-networking flags chromium keeps dialling Google's hosts, which this
  // closed network refuses.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const failures = [];
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
  page.setDefaultTimeout(60_000);
  const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  step = "the page loads with recent blocks and the network line";
  await page.goto(`${url}/`);
  await page.waitForSelector("#blocks a[href^='#/block/']");
  await page.waitForFunction(() => /block \d+ · committed/.test(document.getElementById("net").textContent));
  await shot("1-home");

  step = "the search box finds an account";
  const alice = wallet("import", "--force").address.toLowerCase();
  await page.fill("#q", alice);
  await page.press("#q", "Enter");
  await page.waitForSelector("#balances");
  const shown = (await page.textContent("#view")).toLowerCase();
  if (!shown.includes(alice)) throw new Error(`the account view does not show ${alice}`);
  // Amounts in token units with the symbol from /v1/tokens (100 ETH deposited, less any fees).
  const balance = await page.textContent("#balances");
  if (!/^\d+(\.\d+)? ETH/.test(balance.trim())) throw new Error(`the balance reads "${balance}", not "<amount> ETH"`);
  await shot("2-account");

  step = "a transfer made now appears on the open page without a reload";
  // A reload would drop this mark.
  await page.evaluate(() => { window.__noReload = true; });
  const before = await page.locator("#view a[href^='#/tx/']").count();
  const paid = wallet("transfer", bob, "1", "ETH", "--yes");
  const txLink = `a[href='#/tx/${paid.tx}']`;
  await page.waitForSelector(`#view ${txLink}`);
  // Its row gets its block once the block is sealed (the page re-renders on the event).
  const row = page.locator("#view tr", { has: page.locator(txLink) });
  await row.locator("a[href^='#/block/']").waitFor();
  if (!(await page.evaluate(() => window.__noReload === true))) throw new Error("the page was reloaded");
  const after = await page.locator("#view a[href^='#/tx/']").count();
  if (after !== before + 1) throw new Error(`the history had ${before} txs and now has ${after}, not one more`);
  await shot("3-live-transfer");

  step = "a block opens with its txs";
  const blockHref = await row.locator("a[href^='#/block/']").getAttribute("href");
  const number = blockHref.split("/").pop();
  await row.locator("a[href^='#/block/']").click();
  await page.waitForSelector(`h2:has-text("Block ${number}")`);
  await page.waitForSelector(`#view ${txLink}`);
  await shot("4-block");

  step = "the search box finds a tx by hash and a block by number";
  await page.fill("#q", paid.tx);
  await page.press("#q", "Enter");
  await page.waitForSelector(`#view .mono:has-text("${paid.tx}")`);
  await shot("5-tx");
  await page.fill("#q", "1");
  await page.press("#q", "Enter");
  await page.waitForSelector('h2:has-text("Block 1")');

  step = "a search for nonsense says so";
  await page.fill("#q", "not-a-thing");
  await page.press("#q", "Enter");
  await page.waitForSelector("#view .err");

  if (failures.length) throw new Error(failures.join("; "));
  console.log(`explorer test passed: tx ${paid.tx} in block ${number}; screenshots in ${shots}`);
} catch (e) {
  console.error(`explorer test failed at "${step}": ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
