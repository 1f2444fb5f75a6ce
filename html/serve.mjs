// serve.mjs: tiny static server for the demo (node, no dependencies).
//   node html/serve.mjs [--port 8080] [--host 127.0.0.1]
// Serves html/ at / and the built browser client (js-client/dist/browser)
// at /client/. Used by demo.sh; browser tests may use it too.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const roots = [
	['/client/', resolve(here, '../js-client/dist/browser')],
	['/', here],
];
const args = process.argv.slice(2);
const arg = (name, def) => { const i = args.indexOf(name); return i >= 0 && args[i + 1] ? args[i + 1] : def; };
const port = Number(arg('--port', process.env.PORT || '8080'));
const host = arg('--host', process.env.HOST || '127.0.0.1');
const types = {
	'.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8', '.map': 'application/json', '.json': 'application/json', '.svg': 'image/svg+xml',
	'.png': 'image/png', '.ico': 'image/x-icon', '.tsx': 'text/plain; charset=utf-8', '.vue': 'text/plain; charset=utf-8',
};

function lookup(pathname) {
	for(const [prefix, dir] of roots) {
		if(!pathname.startsWith(prefix))
			continue;
		const rel = normalize(decodeURIComponent(pathname.slice(prefix.length)) || 'index.html');
		const file = resolve(join(dir, rel));
		if(file !== dir && !file.startsWith(dir + sep))
			return null;
		try {
			const st = statSync(file);
			if(st.isDirectory())
				return lookup(pathname.replace(/\/?$/, '/index.html'));
			return file;
		} catch {
			return null;
		}
	}
	return null;
}

createServer((req, res) => {
	const url = new URL(req.url || '/', 'http://x');
	const file = req.method === 'GET' || req.method === 'HEAD' ? lookup(url.pathname) : null;
	if(!file) {
		res.writeHead(404, { 'content-type': 'text/plain' });
		res.end('not found\n');
		return;
	}
	res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
	if(req.method === 'HEAD')
		res.end();
	else
		createReadStream(file).pipe(res);
}).listen(port, host, () => {
	console.log(`demo: http://${host}:${port}/  (client bundle at /client/multistream-client.js)`);
});
