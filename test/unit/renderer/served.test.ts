import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../../src/shared/contract/chat';
import type { DegradationAlert } from '../../../src/shared/contract/degradation';
import { noticeText } from '../../../src/renderer/features/chat/noticeText';
import { alertText, floorText, openAlerts, servedExplanation } from '../../../src/renderer/features/health/servedText';
import { fromRecord } from '../../../src/renderer/stores/chat/reducer';
import { translate, type Translate } from '../../../src/renderer/i18n/translate';

const en: Translate = (key, values) => translate('en', key, values);
const zh: Translate = (key, values) => translate('zh-CN', key, values);

const record = (served?: MessageRecord['served']): MessageRecord => ({
  id: 7, threadId: 1, role: 'assistant', content: 'x', status: 'complete', provider: 'lpu', model: 'm', meters: null, error: null, sources: [], uncited: false, createdAt: 0,
  ...(served ? { served } : {}),
});

describe('how an answer was served, in the UI', () => {
  it('keeps the cache time and the degradation channel of a stored answer', () => {
    expect(fromRecord(record()).served).toBeNull();
    expect(fromRecord(record({ cachedAt: 5 })).served).toEqual({ cachedAt: 5 });
    expect(fromRecord(record({ channel: 'lpu_single', reason: 'r' })).served).toEqual({ channel: 'lpu_single', reason: 'r' });
    // A replayed answer keeps the channel note of its first answering beside its cache time, and still explains it.
    const replayed = fromRecord(record({ cachedAt: 5, channel: 'lpu_single', reason: 'r' })).served;
    expect(replayed).toEqual({ cachedAt: 5, channel: 'lpu_single', reason: 'r' });
    expect(servedExplanation(replayed, en)).toBe('Answered on the single-worker CPU channel because r.');
  });

  it('explains a degraded answer with its channel and the threshold it crossed, and says nothing for an ordinary one', () => {
    const served = { channel: 'lpu_single' as const, reason: 'token-interval p95 exceeded 120 ms (measured 480 ms)' };
    expect(servedExplanation(served, en)).toBe('Answered on the single-worker CPU channel because token-interval p95 exceeded 120 ms (measured 480 ms).');
    expect(servedExplanation(served, zh)).toBe('由单工作线程 CPU 通道回答，原因：token-interval p95 exceeded 120 ms (measured 480 ms)。');
    expect(servedExplanation({ cachedAt: 1 }, en)).toBeNull();
    expect(servedExplanation(null, en)).toBeNull();
  });

  it('translates the degraded and cached notices and the alerts, keeping the server sentence in English', () => {
    expect(noticeText({ kind: 'degraded', message: 'Answering on X because Y.', channel: 'extractive' }, 'en', en)).toBe('Answering on X because Y.');
    expect(noticeText({ kind: 'degraded', message: 'Answering on X because Y.', channel: 'extractive' }, 'zh-CN', zh)).toBe('由摘录通道（来自文档的句子）回答：已超过健康阈值。');
    expect(noticeText({ kind: 'cached', message: '' }, 'zh-CN', zh)).toBe('来自缓存的回答。点“重新生成”会再次询问模型。');
    const alert: DegradationAlert = { id: 1, at: 0, kind: 'stepped_down', from: 'groq', to: 'lpu', answersOn: 'lpu', reason: 'error rate 100% (3 of 3 answers in 10 min) exceeded 20%', message: 'Answering on the LPU.' };
    expect(alertText(alert, 'en', en)).toBe('Answering on the LPU.');
    expect(alertText(alert, 'zh-CN', zh)).toBe('健康警报：回答改由全部工作线程上的 LPU 模拟器处理（error rate 100% (3 of 3 answers in 10 min) exceeded 20%）。');
    expect(alertText({ ...alert, kind: 'recovered', to: 'groq', answersOn: 'groq' }, 'zh-CN', zh)).toBe('已恢复：回答重新由Groq 云服务处理。');
    // Without a local model the step below Groq answers with sentences, and the Chinese alert says so.
    expect(alertText({ ...alert, answersOn: 'extractive' }, 'zh-CN', zh)).toBe('健康警报：回答改由摘录通道（来自文档的句子）处理，因为未安装本地聊天模型（error rate 100% (3 of 3 answers in 10 min) exceeded 20%）。');
  });

  it('says in the meters where answers really go while the chain is stepped down, in both languages', () => {
    const reason = 'error rate 100% (3 of 3 answers in 10 min) exceeded 20%';
    const state = { floor: 'lpu' as const, answersOn: 'lpu' as const, localModelInstalled: true, reason, since: 0, unseenAlerts: 1, steps: {}, recent: [] };
    expect(floorText(state, en)).toBe(`Answers go to the LPU emulator on all its workers: ${reason}.`);
    const none = { ...state, answersOn: 'extractive' as const, localModelInstalled: false };
    expect(floorText(none, en)).toBe(`Answers go to the extractive channel (sentences from your documents), as no local chat model is installed: ${reason}.`);
    expect(floorText(none, zh)).toBe(`回答由摘录通道（来自文档的句子）处理（未安装本地聊天模型）：${reason}。`);
    expect(floorText(none, en)).not.toContain('LPU');
  });

  it('lists the step-downs not yet seen as the Health view\'s open alerts, newest first, and none once seen', () => {
    const alert = (id: number, kind: DegradationAlert['kind']): DegradationAlert => ({ id, at: id * 1000, kind, from: 'lpu', to: 'lpu_single', answersOn: 'lpu_single', reason: 'r', message: `alert ${id}` });
    const recent = [alert(4, 'recovered'), alert(3, 'stepped_down'), alert(2, 'stepped_down'), alert(1, 'stepped_down')];
    const state = { floor: 'lpu' as const, answersOn: 'lpu' as const, localModelInstalled: true, reason: 'r', since: 0, unseenAlerts: 2, steps: {}, recent };
    expect(openAlerts(state, 'en', en)).toEqual([{ id: '3', message: 'alert 3', at: 3000 }, { id: '2', message: 'alert 2', at: 2000 }]);
    expect(openAlerts({ ...state, unseenAlerts: 0 }, 'en', en)).toEqual([]);
    expect(openAlerts(null, 'en', en)).toEqual([]);
  });
});
