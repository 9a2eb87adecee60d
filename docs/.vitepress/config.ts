/**
 * The site: VitePress over docs/. `npm run docs:build` generates the API reference (docs/site/api.ts) and builds into
 * docs/.vitepress/dist; a dead internal link fails the build (VitePress's default, kept on purpose).
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitepress"

const docs = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

const chapter = [
  { text: "Overview", link: "/chapter/" },
  { text: "1. Readiness, not threads", link: "/chapter/readiness" },
  { text: "2. The poller", link: "/chapter/poller" },
  { text: "3. Poll, Waker, SimpleFuture", link: "/chapter/futures" },
  { text: "4. The reactor", link: "/chapter/reactor" },
  { text: "5. The executor loop", link: "/chapter/executor" },
  { text: "6. From futures to Effect", link: "/chapter/effect" }
]

const guides = [
  { text: "Sockets: TCP, UDP, Unix", link: "/guides/sockets" },
  { text: "Swapping @effect/platform-node", link: "/guides/platform" },
  { text: "@effect/cluster on our sockets", link: "/guides/cluster" },
  { text: "Every pollable fd", link: "/guides/fd-kinds" },
  { text: "Files", link: "/guides/files" },
  { text: "Property testing", link: "/guides/testing" },
  { text: "Performance", link: "/guides/performance" },
  { text: "Limits", link: "/guides/limits" }
]

// The API pages are generated before the build (docs/site/api.ts): one per module, SimpleFuture's in a folder of
// its own (it also has a namespace of types).
const apiPages = (): Array<{ text: string; link: string }> => {
  const dir = Path.join(docs, "api")
  if (!Fs.existsSync(dir)) return []
  return Fs.readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() || (entry.name.endsWith(".md") && entry.name !== "index.md"))
    .map((entry) => entry.name.replace(/\.md$/, ""))
    .sort((a, b) => a.localeCompare(b))
    .map((name) => ({ text: name, link: Fs.existsSync(Path.join(dir, name)) ? `/api/${name}/` : `/api/${name}` }))
}

export default defineConfig({
  title: "effect-reactor",
  description: "An Effect-typed async IO runtime for Node.js: a readiness poller, futures and wakers, and sockets.",
  lang: "en-US",
  lastUpdated: false,
  // The runnable examples and the site's own scripts live under docs/ too; only Markdown is a page.
  srcExclude: ["examples/**", "site/**"],
  // A page of the API reference is large (every signature highlighted), and so is the local search index (1.6 MB of
  // JavaScript, loaded only when the search opens): Vite's 500 kB warning would fire on every build for no fault.
  vite: { build: { chunkSizeWarningLimit: 2500 } },
  themeConfig: {
    nav: [
      { text: "The chapter", link: "/chapter/" },
      { text: "Guides", link: "/guides/sockets" },
      { text: "API", link: "/api/" }
    ],
    sidebar: {
      "/chapter/": [{ text: "The chapter, step by step", items: chapter }],
      "/guides/": [{ text: "Guides", items: guides }],
      "/api/": [{ text: "API reference", link: "/api/", items: apiPages() }]
    },
    search: { provider: "local" },
    outline: { level: [2, 3] }
  }
})
