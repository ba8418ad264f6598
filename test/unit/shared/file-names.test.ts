import { describe, expect, it } from 'vitest';
import { fileName, usefulTitle, userFacingPath } from '../../../src/shared/file-names';

describe('file names shown to users', () => {
  it('name an uploaded copy by its file name and keep a library file\'s own path', () => {
    expect(userFacingPath('/home/ana/.config/lockstep/uploads/0123456789ab/Quarterly report.pdf')).toBe('Quarterly report.pdf');
    expect(userFacingPath('C:\\Users\\ana\\AppData\\Lockstep\\uploads\\0123456789ab\\report.docx')).toBe('report.docx');
    expect(userFacingPath('/home/ana/Documents/uploads/report.pdf')).toBe('/home/ana/Documents/uploads/report.pdf');
    expect(fileName('/home/ana/Documents/report.pdf')).toBe('report.pdf');
  });

  it('keep an extracted title only when it says more than the file name', () => {
    expect(usefulTitle('TraceMonkey: Trace-based Just-in-Time Type Specialization', '/docs/tracemonkey.pdf')).toBe('TraceMonkey: Trace-based Just-in-Time Type Specialization');
    expect(usefulTitle('Index', '/docs/index.html')).toBeNull();
    expect(usefulTitle('PowerPoint Presentation', '/docs/deck.pptx')).toBeNull();
    expect(usefulTitle('Microsoft Word - draft3.doc', '/docs/draft3.docx')).toBeNull();
    expect(usefulTitle('History[edit]', '/docs/wiki.html')).toBe('History');
    expect(usefulTitle('[edit]', '/docs/wiki.html')).toBeNull();
    expect(usefulTitle('quarterly_report', '/docs/Quarterly Report.pdf')).toBeNull();
    expect(usefulTitle('unstructured-README', '/docs/unstructured-README.md')).toBeNull();
  });
});
