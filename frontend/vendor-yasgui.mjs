// Copies YASGUI's built files into the Python package, so the service serves them itself
// and needs no CDN (and `make test` needs no npm). Run after `npm ci`: `npm run vendor`.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(here, "node_modules", "@zazuko", "yasgui");
const out = join(here, "..", "src", "platform_graph", "web", "static", "vendor", "yasgui");
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));

mkdirSync(out, { recursive: true });
// The source maps are not shipped: drop the comment that points at them.
const js = readFileSync(join(pkgDir, "build", "yasgui.min.js"), "utf8").replace(
  /\n?\/\/# sourceMappingURL=\S+\s*$/,
  "\n",
);
writeFileSync(join(out, "yasgui.min.js"), js);
const css = readFileSync(join(pkgDir, "build", "yasgui.min.css"), "utf8").replace(
  /\/\*# sourceMappingURL=\S+ \*\/\s*$/,
  "\n",
);
writeFileSync(join(out, "yasgui.min.css"), css);
writeFileSync(
  join(out, "VERSION"),
  `${pkg.name} ${pkg.version}\nlicense: ${pkg.license}\nsource: ${pkg.homepage}\n`,
);
console.log(`vendored ${pkg.name} ${pkg.version} into ${out}`);
