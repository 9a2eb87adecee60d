/**
 * `npm run docs:check`: the built site (docs/.vitepress/dist, from `npm run docs:build`) checked as a reader meets it.
 *
 * 1. Every page is there: the chapter's, the guides', the API reference's (one per public module).
 * 2. Every internal link of every built page leads to a page or a file of the site (VitePress's own dead-link check
 *    covers the Markdown; this covers what the theme and the generated reference add, such as the sidebar).
 * 3. In a real headless browser (Debian's `chromium`, driven by playwright-core): the home page, a chapter page and an
 *    API page render their title without a console error, a page error, a failed request or a request leaving the
 *    site; and the search finds a term and opens a result. Screenshots go to docs/.vitepress/screenshots/ (out of
 *    git).
 *
 * The site is served by a small static server of this script's own, on 127.0.0.1 and a port the kernel picks.
 * `CHROMIUM` overrides the browser's path (default /usr/bin/chromium).
 */
import * as Fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { chromium, type Page } from "playwright-core"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const dist = Path.join(root, "docs", ".vitepress", "dist")
const screenshots = Path.join(root, "docs", ".vitepress", "screenshots")
const executablePath = process.env["CHROMIUM"] ?? "/usr/bin/chromium"

const problems: Array<string> = []
const report = (line: string) => console.log(`docs:check: ${line}`)

/** The file a URL path names in the built site, as the site's host would serve it (`/a/b` is `/a/b.html`). */
const fileOf = (pathname: string): string | undefined => {
  const clean = decodeURIComponent(pathname).replace(/\/+$/, "/")
  const candidates = clean.endsWith("/")
    ? [`${clean}index.html`]
    : [clean, `${clean}.html`, `${clean}/index.html`]
  return candidates.map((candidate) => Path.join(dist, candidate)).find((file) =>
    file.startsWith(dist) && Fs.existsSync(file) && Fs.statSync(file).isFile()
  )
}

/** Every file under `dir`, relative to it. */
const filesUnder = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((file) =>
    Fs.statSync(Path.join(dir, file)).isFile()
  )

// 1. The pages.
const expectedPages = (): Array<string> => {
  const modules = Fs.readdirSync(Path.join(root, "src"))
    .filter((name) => name.endsWith(".ts") && name !== "index.ts")
    .map((name) => name.slice(0, -3))
  const markdown = (dir: string) =>
    Fs.readdirSync(Path.join(root, "docs", dir)).filter((name) => name.endsWith(".md")).map((name) =>
      `/${dir}/${name.replace(/(index)?\.md$/, "")}`
    )
  return [
    "/",
    ...markdown("chapter"),
    ...markdown("guides"),
    "/api/",
    ...modules.map((name) => (name === "SimpleFuture" ? `/api/${name}/` : `/api/${name}`))
  ]
}

const checkPages = () => {
  const missing = expectedPages().filter((page) => fileOf(page) === undefined)
  for (const page of missing) problems.push(`missing page: ${page}`)
  report(`${expectedPages().length} pages expected, ${missing.length} missing`)
}

// 2. The internal links of the built HTML.
const checkLinks = () => {
  const pages = filesUnder(dist).filter((file) => file.endsWith(".html"))
  let links = 0
  for (const page of pages) {
    const html = Fs.readFileSync(Path.join(dist, page), "utf8")
    for (const match of html.matchAll(/\b(?:href|src)="([^"#?]*)[^"]*"/g)) {
      const target = match[1]!
      if (target === "" || /^[a-z]+:/i.test(target) || target.startsWith("//")) continue
      links++
      const pathname = target.startsWith("/") ? target : Path.posix.join(`/${Path.posix.dirname(page)}`, target)
      if (fileOf(pathname) === undefined) problems.push(`broken link in ${page}: ${target}`)
    }
  }
  report(`${links} internal links in ${pages.length} built pages checked`)
}

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".woff2": "font/woff2",
  ".png": "image/png"
}

const serve = () =>
  new Promise<Http.Server>((resolve) => {
    const server = Http.createServer((request, response) => {
      const file = fileOf(new URL(request.url ?? "/", "http://localhost").pathname)
      if (file === undefined) {
        response.writeHead(404).end()
        return
      }
      response.writeHead(200, { "content-type": contentTypes[Path.extname(file)] ?? "application/octet-stream" })
      Fs.createReadStream(file).pipe(response)
    })
    server.listen(0, "127.0.0.1", () => resolve(server))
  })

// 3. The browser.
const watch = (page: Page, origin: string, label: string) => {
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`${label}: console error: ${message.text()}`)
  })
  page.on("pageerror", (error) => problems.push(`${label}: page error: ${error.message}`))
  page.on("requestfailed", (request) => problems.push(`${label}: request failed: ${request.url()}`))
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${label}: HTTP ${response.status()} for ${response.url()}`)
  })
  // The site must stand on its own: nothing is fetched from elsewhere (and CI has no network to fetch it from).
  return page.route("**/*", (route) => {
    const url = route.request().url()
    if (url.startsWith(origin) || url.startsWith("data:")) return route.continue()
    problems.push(`${label}: a request leaves the site: ${url}`)
    return route.abort()
  })
}

const visit = async (page: Page, origin: string, path: string, title: string, name: string) => {
  await page.goto(`${origin}${path}`, { waitUntil: "networkidle" })
  // A heading ends with its anchor link, a zero-width space.
  const text = await page.locator("h1").first().textContent({ timeout: 10_000 })
  const heading = text?.replace(/\u200b/g, "").trim() ?? ""
  if (!heading.includes(title)) problems.push(`${path}: the title is "${heading}", not "${title}"`)
  await page.screenshot({ path: Path.join(screenshots, `${name}.png`), fullPage: false })
  report(`${path} rendered "${heading}"`)
}

const search = async (page: Page, origin: string, term: string, expected: string) => {
  await page.goto(`${origin}/`, { waitUntil: "networkidle" })
  await page.locator(".VPNavBarSearch button").first().click()
  await page.locator("input.search-input").fill(term)
  const results = page.locator(".VPLocalSearchBox .results .result")
  await results.first().waitFor({ timeout: 10_000 })
  const count = await results.count()
  const texts = await results.allTextContents()
  if (!texts.some((text) => text.includes(expected))) problems.push(`search "${term}": no result mentions ${expected}`)
  await page.screenshot({ path: Path.join(screenshots, "search.png"), fullPage: false })
  await results.first().click()
  await page.waitForLoadState("networkidle")
  report(`search "${term}": ${count} results; the first opens ${new URL(page.url()).pathname}`)
}

const main = async () => {
  if (!Fs.existsSync(Path.join(dist, "index.html"))) throw new Error("no built site: run `npm run docs:build` first")
  checkPages()
  checkLinks()
  Fs.rmSync(screenshots, { recursive: true, force: true })
  Fs.mkdirSync(screenshots, { recursive: true })
  const server = await serve()
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  })
  try {
    report(`${executablePath} ${browser.version()}`)
    const steps: Array<[string, (page: Page) => Promise<void>]> = [
      ["home", (page) => visit(page, origin, "/", "effect-reactor", "home")],
      ["chapter", (page) => visit(page, origin, "/chapter/reactor.html", "The reactor", "chapter-reactor")],
      ["api", (page) => visit(page, origin, "/api/Poller.html", "Poller", "api-poller")],
      ["search", (page) => search(page, origin, "pollReadable", "pollReadable")]
    ]
    for (const [label, step] of steps) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      await watch(page, origin, label)
      try {
        await step(page)
      } catch (error) {
        problems.push(`${label}: ${error instanceof Error ? error.message : String(error)}`)
      } finally {
        await page.close()
      }
    }
  } finally {
    await browser.close()
    server.close()
  }
  report(`screenshots in ${Path.relative(root, screenshots)}/`)
  if (problems.length > 0) {
    for (const problem of problems) console.error(`docs:check: ${problem}`)
    throw new Error(`${problems.length} problem(s) with the built site`)
  }
  report("the site is whole")
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
