/** The overview: the last 24 hours of one tenant in numbers and one chart, refreshed live. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, type Overview } from '../api.ts';
import { LastEvalRun } from '../components/LastEvalRun.tsx';
import { HourlyChart } from '../HourlyChart.tsx';
import { useI18n } from '../i18n.tsx';
import { useLiveEvents } from '../live.ts';

/** Numbers as the reader writes them (pt-BR: "12,5 %", "US$ 0,0042"). */
function formats(language: string) {
  const percent = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 });
  const seconds = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });
  const usd = new Intl.NumberFormat(language, {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: 2,
    maximumFractionDigits: 4,
  });
  return {
    percent: (value: number | null) => (value === null ? '—' : percent.format(value)),
    duration: (ms: number | null) =>
      ms === null ? '—' : ms < 1000 ? `${ms} ms` : `${seconds.format(ms / 1000)} s`,
    usd: (value: number) => usd.format(value),
  };
}

export function OverviewPage() {
  const { t, language } = useI18n();
  const labels = useMemo(
    () => ({ hour: t.hour, messages: t.messages, inbound: t.inbound, outbound: t.outbound }),
    [t],
  );
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
  const { percent, duration, usd } = formats(language);
  const cards: Array<[string, string]> = [
    [
      `${t.firstReply} p50 / p95`,
      `${duration(data.first_reply_ms.p50)} / ${duration(data.first_reply_ms.p95)}`,
    ],
    [t.handoffRate, percent(data.handoff_rate)],
    [t.escalationRate, percent(data.escalation_rate)],
    [t.errorRate, percent(data.error_rate)],
    [t.aiCostToday, usd(data.ai_cost_today_usd)],
    [t.backlog, `${data.backlog.inbound} / ${data.backlog.outbound}`],
    [t.dlqSize, String(data.dlq_size)],
    [t.blockedByDeadLetter, String(data.blocked_by_dead_letter)],
  ];
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
          <p className="empty">{t.noTraffic}</p>
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
                  <td>{t.channels[c.channel] ?? c.channel}</td>
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
          <p className="empty">{t.noTraffic}</p>
        ) : (
          <HourlyChart
            points={data.hourly}
            hours={data.window_hours}
            language={language}
            labels={labels}
          />
        )}
      </div>
    </div>
  );
}
