import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../src/main/services';
import { search } from '../../../src/main/retrieve/index';
import { pinnedDocuments, routeDocuments } from '../../../src/main/retrieve/document-index';
import { tempDataDir } from '../ingest/helpers';

// Document routing, contextual headers and query folding through the real ingest path: four generated "filings" of
// two invented companies for two fiscal years, whose statement pages say the same things in the same words, plus a
// bond indenture that talks about rounding to decimal places. Only the cover pages tell the filings apart.

let data: ReturnType<typeof tempDataDir>;
let services: Services;
beforeEach(() => {
  process.env.LOCKSTEP_LOG = 'silent';
  data = tempDataDir('lockstep-routing-');
  services = createServices({ dataDir: path.join(data.dir, 'data'), mode: 'test' });
});
afterEach(async () => {
  await services.close();
  data.cleanup();
});

const filing = (company: string, year: number) =>
  [
    'UNITED STATES SECURITIES AND EXCHANGE COMMISSION',
    'FORM 10-K',
    `ANNUAL REPORT FOR THE FISCAL YEAR ENDED DECEMBER 31, ${year}`,
    `${company.toUpperCase()}, INC.`,
    '(Exact name of registrant as specified in its charter)',
    '## Risk Factors',
    'Demand for our products may fall, and our property, plant and equipment (PP&E) may be impaired.',
    '## Consolidated Statements of Cash Flows',
    'Operating activities: net earnings, depreciation, changes in working capital.',
    'Financing activities: dividends paid, repurchases of common stock, proceeds from borrowings.',
    'Investing activities: purchases of land, buildings and equipment.',
  ].join('\n\n');

const indenture = [
  '# Indenture',
  'Interest on the notes is computed and rounded to two decimal places; amounts in USD millions are rounded to the nearest decimal.',
  'The trustee calculates each payment as defined in this agreement.',
].join('\n\n');

async function ingest(): Promise<Map<string, number>> {
  const files = [
    ['northwind-a.md', filing('Northwind Traders', 2021)],
    ['northwind-b.md', filing('Northwind Traders', 2022)],
    ['contoso-a.md', filing('Contoso Foods', 2021)],
    ['contoso-b.md', filing('Contoso Foods', 2022)],
    ['indenture.md', indenture],
  ].map(([name, text]) => {
    const file = path.join(data.dir, name);
    writeFileSync(file, text);
    return file;
  });
  const { added } = await services.ingest.addPaths(files);
  await services.ingest.whenSettled(added.map((a) => a.documentId));
  return new Map(added.map((a) => [path.basename(a.path, '.md'), a.documentId]));
}

describe('routing a question to its filing', () => {
  it("ranks the named company's filing for the named fiscal year first, with the statement in the hit's context", async () => {
    const ids = await ingest();
    const question = 'Using the cash flow statement, how much did Contoso Foods pay in dividends in FY2022? Answer in USD millions, rounded to two decimal places.';
    const result = await search(services, { query: question, k: 5, mode: 'bm25', lambda: 1 });
    expect(result.hits[0].document.id).toBe(ids.get('contoso-b'));
    expect(result.hits[0].text).toMatch(/dividends paid/);
    expect(result.hits[0].context).toBe('Contoso Foods, Inc. · 10-K · FY2022');
    expect(result.hits[0].headingPath).toBe('Consolidated Statements of Cash Flows');
    // The answer-form words no longer pull in the indenture.
    expect(result.hits.map((hit) => hit.document.id)).not.toContain(ids.get('indenture'));

    const other = await search(services, { query: 'Northwind Traders FY21 dividends paid', k: 1, mode: 'bm25', lambda: 1 });
    expect(other.hits[0].document.id).toBe(ids.get('northwind-a'));
  });

  it('scores documents by name and period, and routes only within the documents searched', async () => {
    const ids = await ingest();
    const routes = routeDocuments(services.db, ['contoso', 'fy2022']);
    expect([...routes.keys()][0]).toBe(ids.get('contoso-b'));
    expect(routes.has(ids.get('indenture')!)).toBe(false);
    const limited = routeDocuments(services.db, ['contoso', 'fy2022'], { documentIds: [ids.get('northwind-a')!, ids.get('contoso-a')!] });
    expect([...limited.keys()]).toEqual([ids.get('contoso-a')]);
  });

  it('pins a question to the filing of the organisation and period it names, the latest year of a range', async () => {
    const ids = await ingest();
    expect(pinnedDocuments(services.db, ['contoso', 'dividends', 'fy2022'], ['fy2022'])).toEqual([ids.get('contoso-b')]);
    // A range of years is reported in full by the latest year's filing.
    expect(pinnedDocuments(services.db, ['northwind', 'fy2021', 'fy2022'], ['fy2021', 'fy2022'])).toEqual([ids.get('northwind-b')]);
    // "Company" and "Inc." name nobody; without a period nothing is pinned; an unknown year pins nothing.
    expect(pinnedDocuments(services.db, ['company', 'inc', 'fy2022'], ['fy2022'])).toBeNull();
    expect(pinnedDocuments(services.db, ['contoso', 'dividends'], [])).toBeNull();
    expect(pinnedDocuments(services.db, ['contoso', 'fy2019'], ['fy2019'])).toBeNull();
  });

  it('expands a short form the library defines, and gives the same first hit with RM3 feedback on', async () => {
    const ids = await ingest();
    const expanded = await search(services, { query: 'Contoso FY2021 PP&E impairment', k: 3, mode: 'bm25', lambda: 1 });
    expect(expanded.hits[0].document.id).toBe(ids.get('contoso-a'));
    expect(expanded.hits[0].text).toMatch(/property, plant and equipment/);
    const question = 'Contoso Foods FY2022 dividends paid cash flow statement';
    const withFeedback = await search(services, { query: question, k: 3, mode: 'bm25', lambda: 1 }, { keyword: { feedback: 'rm3' } });
    expect(withFeedback.hits[0].document.id).toBe(ids.get('contoso-b'));
  });
});
