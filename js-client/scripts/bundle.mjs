// bundle.mjs: the browser bundle html/ loads with a plain <script type=module>.
// One self-contained ESM file (client + janus.js + webrtc-adapter), no
// runtime build step: dist/browser/multistream-client.js (+ .map).
import { build } from 'esbuild';

await build({
	entryPoints: ['src/index.ts'],
	outfile: 'dist/browser/multistream-client.js',
	bundle: true,
	format: 'esm',
	platform: 'browser',
	target: ['es2020'],
	sourcemap: true,
	legalComments: 'eof',
	logLevel: 'warning',
});
console.log('bundle: dist/browser/multistream-client.js');
