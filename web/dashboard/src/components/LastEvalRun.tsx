/**
 * The overview's "last eval run" card: the pass rate of the last `omni eval --tenant` run,
 * regressions against its baseline and the cases that failed. Its strings live here (pt-BR, en)
 * so the card stays one self-contained file.
 */
import { useEffect, useState } from 'react';
import type { EvalRunView } from '../../../../src/eval/runs.ts';
import { api } from '../api.ts';
import { type Language, useI18n } from '../i18n.tsx';

const STRINGS: Record<
  Language,
  {
    title: string;
    none: string;
    turn: string;
    passed: (passed: number, total: number) => string;
    regressions: (n: number) => string;
    mode: Record<string, string>;
  }
> = {
  'pt-BR': {
    title: 'Última avaliação (omni eval)',
    none: 'Nenhuma avaliação registrada. Rode `omni eval --tenant <empresa>`.',
    turn: 'mensagem',
    passed: (passed, total) => `${passed} de ${total} casos passaram`,
    regressions: (n) => (n === 1 ? '1 regressão' : `${n} regressões`),
    mode: { simulator: 'simulador roteirizado', providers: 'modelos reais' },
  },
  en: {
    title: 'Last eval run (omni eval)',
    none: 'No eval run recorded yet. Run `omni eval --tenant <tenant>`.',
    turn: 'message',
    passed: (passed, total) => `${passed} of ${total} cases passed`,
    regressions: (n) => (n === 1 ? '1 regression' : `${n} regressions`),
    mode: { simulator: 'scripted simulator', providers: 'real models' },
  },
};

export function LastEvalRun() {
  const { language } = useI18n();
  const s = STRINGS[language];
  const [run, setRun] = useState<EvalRunView | null | undefined>();
  useEffect(() => {
    api<{ run: EvalRunView | null }>('/api/v1/evals/last')
      .then((body) => setRun(body.run))
      .catch(() => setRun(null));
  }, []);
  if (run === undefined) return null;
  const failed = run?.cases.filter((c) => c.status !== 'passed') ?? [];
  return (
    <div className="card last-eval" data-testid="last-eval-run">
      <h3>{s.title}</h3>
      {run === null ? (
        <p className="empty">{s.none}</p>
      ) : (
        <>
          <p>
            <strong>
              {s.passed(run.passed, run.total)} (
              {run.total === 0
                ? '—'
                : (run.passed / run.total).toLocaleString(language, {
                    style: 'percent',
                    maximumFractionDigits: 1,
                  })}
              )
            </strong>
            {run.regressions > 0 ? ` · ${s.regressions(run.regressions)}` : ''} ·{' '}
            {s.mode[run.mode] ?? run.mode} · {new Date(run.recordedAt).toLocaleString(language)}
          </p>
          {failed.length > 0 && (
            <ul>
              {failed.map((c) => (
                <li key={`${c.file}/${c.name}`}>
                  {c.file} › {c.name}
                  {c.failures.length > 0
                    ? `: ${c.failures.map((f) => `${s.turn} ${f.turn}: ${f.expectation}`).join('; ')}`
                    : ''}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
