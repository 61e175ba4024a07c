/**
 * The Omni web chat widget (SPEC §6.4). Embed with
 * `<script src="https://omni.example/widget.js" data-tenant="acme" async></script>`; optional
 * `data-open="true"` (start open), `data-lang="en"`, `data-title`, `data-accent` (a CSS colour),
 * `data-name` (the visitor's name, when the site knows it: operators see it in the inbox).
 * Plain DOM in a shadow root: the host page needs no framework and its styles stay its own.
 */
import type {
  ServerFrame,
  VisitorState,
  WireMessage,
} from '../../../src/channels/webchat/protocol.ts';
import { connect } from './connection.ts';
import { randomId, visitorSecret } from './identity.ts';
import { stringsFor } from './strings.ts';
import { STYLES } from './styles.ts';

const CHAT_ICON =
  '<svg width="26" height="26" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>';

/** A message Omni could not store yet is offered again after this long. */
const RESEND_AFTER_MS = 3_000;

/** Without news for this long, the typing indicator goes away (the turn may have been dropped). */
const TYPING_TIMEOUT_MS = 60_000;

function start(script: HTMLScriptElement): void {
  const tenant = script.dataset.tenant;
  if (!tenant) {
    console.error('Omni widget: add data-tenant="<your tenant>" to the <script> tag.');
    return;
  }
  let t = stringsFor(script.dataset.lang, navigator.languages ?? [navigator.language]);
  const base = new URL(script.src, location.href);
  const url = `${base.protocol === 'https:' ? 'wss:' : 'ws:'}//${base.host}/webchat/${encodeURIComponent(tenant)}`;
  const secret = visitorSecret(tenant);

  const host = document.createElement('div');
  host.id = 'omni-webchat';
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = `<style>${STYLES}</style>
<section class="panel" role="dialog" aria-label="${t.title}">
  <header><span>${escapeHtml(script.dataset.title ?? t.title)} <span class="status"></span></span>
    <button type="button" class="close" aria-label="${t.close}">×</button></header>
  <div class="banner" role="status" aria-live="polite" hidden></div>
  <div class="log" role="log" aria-live="polite"></div>
  <div class="typing" aria-live="polite"></div>
  <form><textarea rows="1" placeholder="${t.placeholder}" aria-label="${t.placeholder}" maxlength="4000"></textarea>
    <button type="submit">${t.send}</button></form>
</section>
<button type="button" class="launcher" aria-label="${t.open}">${CHAT_ICON}</button>`;
  if (script.dataset.accent) host.style.setProperty('--omni-accent', script.dataset.accent);
  document.body.append(host);

  const $ = <T extends Element>(selector: string) => root.querySelector(selector) as T;
  const panel = $<HTMLElement>('.panel');
  const log = $<HTMLElement>('.log');
  const typing = $<HTMLElement>('.typing');
  const status = $<HTMLElement>('.status');
  const banner = $<HTMLElement>('.banner');
  const form = $<HTMLFormElement>('form');
  const input = $<HTMLTextAreaElement>('textarea');
  const sendButton = $<HTMLButtonElement>('form button');

  let messages: WireMessage[] = [];
  /** Written but not yet stored by Omni: shown dimmed, sent again after a reconnect. */
  let pending: Array<{ client_id: string; text: string }> = [];
  let notice = '';
  let typingTimer: ReturnType<typeof setTimeout> | undefined;

  const setOpen = (open: boolean) => {
    panel.classList.toggle('open', open);
    if (open) input.focus();
  };
  $<HTMLButtonElement>('.launcher').onclick = () => setOpen(!panel.classList.contains('open'));
  $<HTMLButtonElement>('.close').onclick = () => setOpen(false);

  /** While a person is awaited or answering, the visitor is told so above the messages. */
  const setState = (state: VisitorState) => {
    banner.dataset.state = state;
    banner.hidden = state === 'bot';
    banner.textContent =
      state === 'pending_human' ? t.waitingHuman : state === 'human' ? t.withHuman : '';
  };

  /** The texts set once in the markup above, written again when the language changes. */
  const applyStrings = () => {
    panel.setAttribute('aria-label', t.title);
    $<HTMLElement>('header > span').firstChild?.replaceWith(
      document.createTextNode(`${script.dataset.title ?? t.title} `),
    );
    $<HTMLButtonElement>('.close').setAttribute('aria-label', t.close);
    $<HTMLButtonElement>('.launcher').setAttribute('aria-label', t.open);
    input.placeholder = t.placeholder;
    input.setAttribute('aria-label', t.placeholder);
    sendButton.textContent = t.send;
    setState((banner.dataset.state as VisitorState | undefined) ?? 'bot');
  };

  const setTyping = (on: boolean) => {
    clearTimeout(typingTimer);
    typing.textContent = on ? `${t.bot} ${t.typing}` : '';
    if (on) typingTimer = setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
  };

  const bubble = (author: WireMessage['author'], text: string, extra = '') => {
    const item = document.createElement('div');
    item.className = `msg ${author} ${extra}`;
    item.dataset.author = author;
    if (author !== 'contact') {
      const who = document.createElement('span');
      who.className = 'who';
      who.textContent = author === 'bot' ? t.bot : t.operator;
      item.append(who);
    }
    item.append(document.createTextNode(text));
    return item;
  };

  const render = () => {
    const items: Element[] = messages.map((m) => bubble(m.author, m.text));
    for (const p of pending) items.push(bubble('contact', p.text, 'pending'));
    if (items.length === 0)
      items.push(
        Object.assign(document.createElement('div'), { className: 'empty', textContent: t.empty }),
      );
    if (notice)
      items.push(
        Object.assign(document.createElement('div'), { className: 'notice', textContent: notice }),
      );
    log.replaceChildren(...items);
    log.scrollTop = log.scrollHeight;
  };

  const upsert = (message: WireMessage) => {
    pending = pending.filter((p) => p.client_id !== message.client_id);
    if (!messages.some((m) => m.id === message.id)) messages = [...messages, message];
    if (message.author !== 'contact') setTyping(false);
  };

  const resendPending = () => {
    for (const p of pending) connection.send({ type: 'message', ...p });
  };

  const onFrame = (frame: ServerFrame) => {
    if (frame.type === 'ready') {
      if (!script.dataset.lang && frame.language) {
        t = stringsFor(frame.language, []);
        applyStrings();
      }
      messages = frame.history;
      const stored = new Set(messages.map((m) => m.client_id));
      pending = pending.filter((p) => !stored.has(p.client_id));
      resendPending();
      setTyping(frame.typing);
      setState(frame.state);
    } else if (frame.type === 'state') setState(frame.state);
    else if (frame.type === 'message') upsert(frame.message);
    else if (frame.type === 'typing') setTyping(frame.on);
    else if (frame.type === 'error') {
      if (frame.code === 'too_fast') notice = t.tooFast;
      if (frame.code === 'unknown_tenant' || frame.code === 'origin_not_allowed')
        notice = t.unavailable;
      // Omni could not store it (its database is away): the same client ids are sent again.
      if (frame.code === 'unavailable') setTimeout(resendPending, RESEND_AFTER_MS);
    }
    render();
  };

  const name = script.dataset.name?.trim().slice(0, 100) || undefined;
  const connection = connect(url, () => ({ type: 'hello', visitor: secret, name }), {
    onFrame,
    onStatus: (state) => {
      status.textContent =
        state === 'connecting' ? t.connecting : state === 'reconnecting' ? t.reconnecting : '';
      sendButton.disabled = state === 'closed';
      if (state === 'closed' && !notice) notice = t.unavailable;
      render();
    },
  });

  const submit = () => {
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    notice = '';
    const frame = { client_id: randomId(12), text };
    pending = [...pending, frame];
    connection.send({ type: 'message', ...frame });
    render();
  };
  form.onsubmit = (event) => {
    event.preventDefault();
    submit();
  };
  input.onkeydown = (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  };

  render();
  setOpen(script.dataset.open === 'true');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const current = document.currentScript as HTMLScriptElement | null;
if (current) {
  if (document.body) start(current);
  else document.addEventListener('DOMContentLoaded', () => start(current));
}
