/**
 * Messages per hour as a bar chart with time and count axes and a legend, drawn by uPlot (small,
 * canvas-based, maintained) rather than by hand. Hours without messages are drawn as zero, so the
 * time axis is continuous over the window.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface HourlyPoint {
  hour: string;
  inbound: number;
  outbound: number;
}

const HOUR_MS = 3_600_000;
const HEIGHT = 260;
const INBOUND_COLOUR = '#2563eb';
const OUTBOUND_COLOUR = '#16a34a';

/** One bucket per hour of the window, oldest first, in seconds (uPlot's time unit). */
function buckets(points: HourlyPoint[], hours: number, now = Date.now()): uPlot.AlignedData {
  const last = Math.floor(now / HOUR_MS) * HOUR_MS;
  const byHour = new Map(points.map((p) => [new Date(p.hour).getTime(), p]));
  const x: number[] = [];
  const inbound: number[] = [];
  const outbound: number[] = [];
  for (let at = last - (hours - 1) * HOUR_MS; at <= last; at += HOUR_MS) {
    x.push(at / 1000);
    inbound.push(byHour.get(at)?.inbound ?? 0);
    outbound.push(byHour.get(at)?.outbound ?? 0);
  }
  return [x, inbound, outbound];
}

export function HourlyChart(props: {
  points: HourlyPoint[];
  hours: number;
  language: string;
  labels: { hour: string; messages: string; inbound: string; outbound: string };
}) {
  const box = useRef<HTMLDivElement>(null);
  const { points, hours, language, labels } = props;

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const time = (seconds: number) =>
      new Date(seconds * 1000).toLocaleTimeString(language, { hour: '2-digit', minute: '2-digit' });
    const bars = uPlot.paths.bars;
    const options: uPlot.Options = {
      width: element.clientWidth || 600,
      height: HEIGHT,
      cursor: { drag: { x: false, y: false } },
      scales: {
        // Half an hour of room on each side: the bars sit beside their hour, not off the edge.
        x: { time: true, range: (_u, min, max) => [min - 1800, max + 1800] },
        y: { range: (_u, _min, max) => [0, Math.max(4, max)] },
      },
      axes: [
        {
          label: labels.hour,
          values: (_u, splits) => splits.map(time),
          grid: { show: false },
        },
        {
          label: labels.messages,
          // Whole messages only: no 0.5 ticks on a quiet day.
          values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')),
        },
      ],
      series: [
        { label: labels.hour, value: (_u, v) => (v === null ? '—' : time(v)) },
        {
          label: labels.inbound,
          stroke: INBOUND_COLOUR,
          fill: `${INBOUND_COLOUR}cc`,
          paths: bars?.({ size: [0.35, 24], align: -1 }),
          points: { show: false },
        },
        {
          label: labels.outbound,
          stroke: OUTBOUND_COLOUR,
          fill: `${OUTBOUND_COLOUR}cc`,
          paths: bars?.({ size: [0.35, 24], align: 1 }),
          points: { show: false },
        },
      ],
    };
    const chart = new uPlot(options, buckets(points, hours), element);
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: element.clientWidth, height: HEIGHT }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [points, hours, language, labels]);

  return <div className="hourly-chart" ref={box} role="img" aria-label={labels.messages} />;
}
