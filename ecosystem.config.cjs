/**
 * pm2 (seed 003: `pm2 start ecosystem.config.cjs`, `pm2 status`, `pm2 logs omni`, `pm2 reload omni`).
 * One process runs the API, the dashboard and every worker. More than one instance (`-i 2`) needs
 * DATABASE_URL: the embedded database belongs to a single process. pm2 waits a little longer than
 * SHUTDOWN_TIMEOUT_MS (10 s by default) before killing, so in-flight turns and sends finish.
 */
module.exports = {
  apps: [
    {
      name: 'omni',
      script: 'bin/omni.js',
      args: 'start',
      node_args: ['--max-old-space-size=512', '--max-http-header-size=16384'],
      kill_timeout: 12_000,
      env: { NODE_ENV: 'production' },
    },
  ],
};
