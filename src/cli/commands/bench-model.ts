/** The settings every bench gives Omni: the LLM simulator as its only provider, and no limits. */
export function benchModelSettings(llmUrl: string, workers: number): Record<string, string> {
  const unlimited = '1000000';
  return {
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: `${llmUrl}/v1`,
    PROVIDER_PRIORITY_ORDER: 'openai',
    // The default limits protect providers and the API from abuse; here they would measure themselves.
    RATE_LIMIT_PER_MINUTE: unlimited,
    RATE_LIMIT_RPS: unlimited,
    RATE_LIMIT_BURST: unlimited,
    MAX_WORKERS: String(workers),
  };
}
