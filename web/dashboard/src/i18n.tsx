/** The dashboard's strings in Brazilian Portuguese and English; the choice is kept in the browser. */
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';

const pt = {
  appName: 'Omni',
  inbox: 'Conversas',
  overview: 'Visão geral',
  settings: 'Configurações',
  users: 'Usuários',
  logout: 'Sair',
  login: 'Entrar',
  email: 'E-mail',
  password: 'Senha',
  loginFailed: 'Não foi possível entrar',
  tryDemo: 'Abrir o chat de demonstração (/demo)',
  filterAll: 'Todas',
  filterBot: 'Bot',
  filterWaiting: 'Aguardando humano',
  filterHuman: 'Com humano',
  filterResolved: 'Resolvidas',
  search: 'Buscar contato…',
  noConversations: 'Nenhuma conversa aqui.',
  pickConversation: 'Escolha uma conversa.',
  waitingFor: 'aguardando há',
  takeOver: 'Assumir',
  release: 'Devolver ao bot',
  resolve: 'Resolver',
  reply: 'Responder',
  replyPlaceholder: 'Escreva a resposta ao contato…',
  back: 'Voltar',
  controlledBy: { bot: 'Bot', pending_human: 'Aguardando humano', human: 'Humano' } as Record<
    string,
    string
  >,
  author: { contact: 'Contato', bot: 'Bot', operator: 'Atendente', system: 'Sistema' } as Record<
    string,
    string
  >,
  resolved: 'Resolvida',
  status: { cancelled: 'cancelada', queued: 'na fila', failed: 'falhou', dlq: 'DLQ' } as Record<
    string,
    string
  >,
  live: 'ao vivo',
  window: 'Últimas 24 horas',
  messagesPerChannel: 'Mensagens por canal',
  inbound: 'Recebidas',
  outbound: 'Enviadas',
  firstReply: 'Tempo até a primeira resposta',
  handoffRate: 'Taxa de transferência para humano',
  escalationRate: 'Taxa de escalonamento',
  errorRate: 'Taxa de erro',
  aiCostToday: 'Custo de IA hoje',
  backlog: 'Fila (entrada / saída)',
  dlqSize: 'Mensagens na DLQ',
  perHour: 'Mensagens por hora',
  noData: 'Sem dados ainda.',
  tenant: 'Empresa',
  customInstructions: 'Instruções personalizadas',
  language: 'Idioma do bot',
  save: 'Salvar',
  saved: 'Salvo.',
  apiKeys: 'Chaves de API',
  createKey: 'Criar chave',
  keyName: 'Nome da chave',
  keyShownOnce: 'Copie agora: a chave não será mostrada de novo.',
  revoke: 'Revogar',
  revoked: 'revogada',
  deadLetters: 'Mensagens mortas (DLQ)',
  replay: 'Reprocessar',
  nothing: 'Nada aqui.',
  adminOnly: 'Somente administradores podem ver esta página.',
  name: 'Nome',
  role: 'Papel',
  lastLogin: 'Último acesso',
  never: 'nunca',
  disabled: 'desativado',
  knowledge: 'Conhecimento',
  kbUpload: 'Enviar documentos (Markdown, texto, JSON de FAQ, HTML)',
  kbFormats: 'formato não suportado (use .md, .txt, .json ou .html)',
  kbPassages: 'trechos',
  kbSite: 'Adicionar um site',
  kbSiteUrl: 'https://www.exemplo.com.br/ajuda',
  kbSitemap: 'é um sitemap',
  kbSiteAdd: 'Adicionar',
  kbSitePages:
    'páginas: novas {created}, atualizadas {updated}, sem mudança {unchanged}, ignoradas {skipped}',
  kbTry: 'Teste uma pergunta',
  kbQuestion: 'Pergunte como um cliente perguntaria…',
  kbSearch: 'Buscar',
  delete: 'Excluir',
  escalation: 'Escalonamento',
  minConfidence: 'Confiança mínima (0–1)',
  maxInteractions: 'Respostas de baixa confiança antes de chamar um humano',
  providerOrder: 'Ordem dos provedores de IA (ex.: openai,anthropic)',
  cannedResponses: 'Respostas prontas (sem IA)',
  canned: {
    greeting: 'Saudação',
    thanks: 'Agradecimento',
    human_request: 'Pedido de humano',
    unknown: 'Não sei responder',
  } as Record<string, string>,
  createUser: 'Criar usuário',
  fullName: 'Nome completo',
  disable: 'Desativar',
  visitor: 'Visitante',
};

type Strings = typeof pt;

const en: Strings = {
  appName: 'Omni',
  inbox: 'Inbox',
  overview: 'Overview',
  settings: 'Settings',
  users: 'Users',
  logout: 'Log out',
  login: 'Log in',
  email: 'E-mail',
  password: 'Password',
  loginFailed: 'Could not log in',
  tryDemo: 'Open the demo chat (/demo)',
  filterAll: 'All',
  filterBot: 'Bot',
  filterWaiting: 'Waiting for human',
  filterHuman: 'With human',
  filterResolved: 'Resolved',
  search: 'Search contact…',
  noConversations: 'No conversations here.',
  pickConversation: 'Pick a conversation.',
  waitingFor: 'waiting for',
  takeOver: 'Take over',
  release: 'Release to bot',
  resolve: 'Resolve',
  reply: 'Reply',
  replyPlaceholder: 'Write your reply to the contact…',
  back: 'Back',
  controlledBy: { bot: 'Bot', pending_human: 'Waiting for human', human: 'Human' },
  author: { contact: 'Contact', bot: 'Bot', operator: 'Operator', system: 'System' },
  resolved: 'Resolved',
  status: { cancelled: 'cancelled', queued: 'queued', failed: 'failed', dlq: 'DLQ' },
  live: 'live',
  window: 'Last 24 hours',
  messagesPerChannel: 'Messages per channel',
  inbound: 'In',
  outbound: 'Out',
  firstReply: 'Time to first reply',
  handoffRate: 'Handoff rate',
  escalationRate: 'Escalation rate',
  errorRate: 'Error rate',
  aiCostToday: 'AI cost today',
  backlog: 'Backlog (in / out)',
  dlqSize: 'Dead letters',
  perHour: 'Messages per hour',
  noData: 'No data yet.',
  tenant: 'Company',
  customInstructions: 'Custom instructions',
  language: 'Bot language',
  save: 'Save',
  saved: 'Saved.',
  apiKeys: 'API keys',
  createKey: 'Create key',
  keyName: 'Key name',
  keyShownOnce: 'Copy it now: the key will not be shown again.',
  revoke: 'Revoke',
  revoked: 'revoked',
  deadLetters: 'Dead letters (DLQ)',
  replay: 'Replay',
  nothing: 'Nothing here.',
  adminOnly: 'Only admins can see this page.',
  name: 'Name',
  role: 'Role',
  lastLogin: 'Last login',
  never: 'never',
  disabled: 'disabled',
  knowledge: 'Knowledge',
  kbUpload: 'Upload documents (Markdown, text, JSON FAQ, HTML)',
  kbFormats: 'unsupported format (use .md, .txt, .json or .html)',
  kbPassages: 'passages',
  kbSite: 'Add a website',
  kbSiteUrl: 'https://www.example.com/help',
  kbSitemap: 'it is a sitemap',
  kbSiteAdd: 'Add',
  kbSitePages: 'pages: {created} new, {updated} updated, {unchanged} unchanged, {skipped} skipped',
  kbTry: 'Try a question',
  kbQuestion: 'Ask as a customer would…',
  kbSearch: 'Search',
  delete: 'Delete',
  escalation: 'Escalation',
  minConfidence: 'Minimum confidence (0–1)',
  maxInteractions: 'Low-confidence replies before a human is called',
  providerOrder: 'AI provider order (e.g. openai,anthropic)',
  cannedResponses: 'Canned responses (no AI)',
  canned: {
    greeting: 'Greeting',
    thanks: 'Thanks',
    human_request: 'Asks for a human',
    unknown: 'Cannot answer',
  },
  createUser: 'Create user',
  fullName: 'Full name',
  disable: 'Disable',
  visitor: 'Visitor',
};

export const LANGUAGES = { 'pt-BR': pt, en } as const;
export type Language = keyof typeof LANGUAGES;

const STORAGE_KEY = 'omni-dashboard-language';

function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'pt-BR') return stored;
  return navigator.language.toLowerCase().startsWith('en') ? 'en' : 'pt-BR';
}

const Context = createContext<{ t: Strings; language: Language; setLanguage(l: Language): void }>({
  t: pt,
  language: 'pt-BR',
  setLanguage: () => {},
});

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setState] = useState<Language>(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const setLanguage = (next: Language) => {
    localStorage.setItem(STORAGE_KEY, next);
    setState(next);
  };
  return (
    <Context.Provider value={{ t: LANGUAGES[language], language, setLanguage }}>
      {children}
    </Context.Provider>
  );
}

export const useI18n = () => useContext(Context);

/** "3 min", "2 h 5 min": how long since `iso`. */
export function since(iso: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
