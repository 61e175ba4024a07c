/** The overview: the last 24 hours of one tenant in numbers and one chart, refreshed live. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type Overview } from '../api.ts';
import { LastEvalRun } from '../components/LastEvalRun.tsx';
import { useI18n } from '../i18n.tsx';
import { useLiveEvents } from '../live.ts';

const percent = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);
const duration = (ms: number | null) =>
  ms === null ? '—' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;

export function OverviewPage() {
  const { t } = useI18n();
  const [data, setData] = useState<Overview | undefined>();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const load = useCallback(async () => setData(await api<Overview>('/api/v1/stats/overview')), []);
  useEffect(() => {
    void load().catch(() => {});
  }, [load]);
  useLiveEvents(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void load().catch(() => {}), 1000);
  });

  if (!data) return <p className="empty">…</p>;
  const cards: Array<[string, string]> = [
    [
      `${t.firstReply} p50 / p95`,
      `${duration(data.first_reply_ms.p50)} / ${duration(data.first_reply_ms.p95)}`,
    ],
    [t.handoffRate, percent(data.handoff_rate)],
    [t.escalationRate, percent(data.escalation_rate)],
    [t.errorRate, percent(data.error_rate)],
    [t.aiCostToday, `US$ ${data.ai_cost_today_usd.toFixed(4)}`],
    [t.backlog, `${data.backlog.inbound} / ${data.backlog.outbound}`],
    [t.dlqSize, String(data.dlq_size)],
  ];
  const peak = Math.max(1, ...data.hourly.map((h) => Math.max(h.inbound, h.outbound)));
  return (
    <div className="overview">
      <h2>
        {t.overview} <small>{t.window}</small>
      </h2>
      <div className="cards">
        {cards.map(([label, value]) => (
          <div className="card stat" key={label}>
            <span>{label}</span>
            <strong>{value}</strong>
          </div>
        ))}
      </div>
      <div className="card">
        <h3>{t.messagesPerChannel}</h3>
        {data.channels.length === 0 ? (
          <p className="empty">{t.noData}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th />
                <th>{t.inbound}</th>
                <th>{t.outbound}</th>
              </tr>
            </thead>
            <tbody>
              {data.channels.map((c) => (
                <tr key={c.channel}>
                  <td>{c.channel}</td>
                  <td>{c.inbound}</td>
                  <td>{c.outbound}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <LastEvalRun />
      <div className="card">
        <h3>{t.perHour}</h3>
        {data.hourly.length === 0 ? (
          <p className="empty">{t.noData}</p>
        ) : (
          <div className="chart" role="img" aria-label={t.perHour}>
            {data.hourly.map((h) => (
              <div
                className="bar-group"
                key={h.hour}
                title={`${new Date(h.hour).toLocaleString()}`}
              >
                <div className="bar in" style={{ height: `${(h.inbound / peak) * 100}%` }} />
                <div className="bar out" style={{ height: `${(h.outbound / peak) * 100}%` }} />
                <span>{new Date(h.hour).getHours()}h</span>
              </div>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
