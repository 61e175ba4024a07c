/** The widget's look, scoped by its shadow root so the host page's CSS neither leaks in nor out. */
export const STYLES = `
:host { all: initial; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.launcher { position: fixed; right: 20px; bottom: 20px; width: 56px; height: 56px; border-radius: 50%;
  border: 0; background: var(--omni-accent, #2563eb); color: #fff; cursor: pointer; font-size: 26px;
  box-shadow: 0 4px 14px rgba(0,0,0,.25); z-index: 2147483646;
  display: flex; align-items: center; justify-content: center; }
.panel { position: fixed; right: 20px; bottom: 88px; width: 360px; max-width: calc(100vw - 24px);
  height: 520px; max-height: calc(100vh - 110px); display: none; flex-direction: column;
  background: #fff; color: #1f2933; border-radius: 14px; overflow: hidden;
  box-shadow: 0 10px 40px rgba(0,0,0,.25); z-index: 2147483647; }
.panel.open { display: flex; }
@media (max-width: 480px) {
  .panel { right: 0; bottom: 0; width: 100vw; max-width: 100vw; height: 100%; max-height: 100%; border-radius: 0; }
  .panel.open + .launcher { display: none; }
}
header { display: flex; align-items: center; justify-content: space-between; padding: 12px 16px;
  background: var(--omni-accent, #2563eb); color: #fff; font-weight: 600; }
header button { background: none; border: 0; color: inherit; font-size: 20px; cursor: pointer; }
.status { font-size: 12px; font-weight: 400; opacity: .9; }
.banner { padding: 8px 16px; font-size: 13px; background: #fef3c7; color: #78350f;
  border-bottom: 1px solid #fde68a; }
.banner[data-state="human"] { background: #dcfce7; color: #14532d; border-color: #bbf7d0; }
.banner[hidden] { display: none; }
.log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px;
  background: #f5f7fa; }
.msg { max-width: 80%; padding: 8px 12px; border-radius: 12px; white-space: pre-wrap;
  overflow-wrap: anywhere; font-size: 14px; line-height: 1.4; }
.msg.contact { align-self: flex-end; background: var(--omni-accent, #2563eb); color: #fff;
  border-bottom-right-radius: 4px; }
.msg.bot, .msg.operator { align-self: flex-start; background: #fff; border: 1px solid #e4e7eb;
  border-bottom-left-radius: 4px; }
.msg .who { display: block; font-size: 11px; opacity: .7; margin-bottom: 2px; }
.msg.pending { opacity: .6; }
.empty, .notice { align-self: center; font-size: 13px; color: #616e7c; text-align: center; }
.typing { font-size: 13px; color: #616e7c; padding: 0 16px 6px; background: #f5f7fa; min-height: 20px; }
form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e4e7eb; background: #fff; }
textarea { flex: 1; resize: none; border: 1px solid #cbd2d9; border-radius: 8px; padding: 8px;
  font-size: 14px; height: 40px; max-height: 120px; }
form button { border: 0; border-radius: 8px; padding: 0 14px; background: var(--omni-accent, #2563eb);
  color: #fff; font-weight: 600; cursor: pointer; }
form button:disabled { opacity: .5; cursor: default; }
`;
