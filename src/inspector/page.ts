// The inspector page: a shell whose script (client.ts, bundled for the browser at build time) draws the machine
// and the timeline from the SSE feed.
declare const __INSPECTOR_CLIENT__: string | undefined;

const client =
  typeof __INSPECTOR_CLIENT__ === 'string' ? __INSPECTOR_CLIENT__ : 'document.body.textContent = "inspector client not built: run npm run build";';

export function inspectorPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>devpod-provider-nomad inspector</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #212529; }
  h1 { font-size: 18px; } h2 { font-size: 16px; margin: 24px 0 8px; }
  .ws { border: 1px solid #dee2e6; border-radius: 8px; padding: 12px 16px; margin-bottom: 24px; }
  .state { font-weight: 600; } .reason { color: #c92a2a; } .muted { color: #868e96; }
  svg text { font: 12px system-ui, sans-serif; }
  table { border-collapse: collapse; margin-top: 8px; } td, th { padding: 2px 10px; text-align: left; border-bottom: 1px solid #f1f3f5; font-size: 12px; }
</style></head>
<body><h1>Workspace lifecycle inspector</h1><p class="muted" id="status">connecting…</p><div id="workspaces"></div>
<script>${client.replace(/<\/script/g, '<\\/script')}</script></body></html>`;
}
