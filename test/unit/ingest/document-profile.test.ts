import { describe, expect, it } from 'vitest';
import { fileNameWords, periodTerms, profileDocument, profileLabel } from '../../../src/main/ingest/document-profile';

// Cover pages written the way filings and releases print them (invented organisations).
const annualCover = [
  'UNITED STATES SECURITIES AND EXCHANGE COMMISSION',
  'Washington, D.C. 20549',
  'FORM 10-K',
  'ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934 FOR THE FISCAL YEAR ENDED MAY 29, 2022',
  'Commission file number: 001-99999',
  'NORTHWIND TRADERS, INC.',
  '(Exact name of registrant as specified in its charter)',
  'Delaware 12-3456789',
  'Title of each class Trading Symbol(s) Name of each exchange on which registered',
  'Common Stock, $0.50 par value per share NWT New York Stock Exchange',
].join('\n\n');

const release = [
  'FOR IMMEDIATE RELEASE',
  '• 2023 Second-Quarter reported sales growth of 6.3% to $25.5 Billion',
  'Springfield, N.J. (July 20, 2023) – Contoso Health & Co. (NYSE: CHC) today announced results for second-quarter 2023.',
].join('\n\n');

describe('profileDocument', () => {
  it('reads the registrant, form and fiscal year from a 10-K cover', () => {
    const profile = profileDocument([annualCover, 'Table of contents'], 'NORTHWIND_2022_10K.pdf');
    expect(profile).toEqual({ entity: 'Northwind Traders, Inc.', ticker: 'NWT', form: '10-K', fiscalYear: 2022, quarter: null, fileWords: 'northwind 2022 10k' });
    expect(profileLabel(profile)).toBe('Northwind Traders, Inc. · NWT · 10-K · FY2022');
    expect(periodTerms(profile)).toBe('fy2022');
  });

  it('reads an earnings release: the listed organisation, its ticker and the quarter', () => {
    const profile = profileDocument([release], 'CONTOSO_2023Q2_EARNINGS.pdf');
    expect(profile).toMatchObject({ entity: 'Contoso Health & Co.', ticker: 'CHC', form: 'earnings release', fiscalYear: 2023, quarter: 2 });
    expect(profileLabel(profile)).toBe('Contoso Health & Co. · CHC · earnings release · Q2 FY2023');
    expect(periodTerms(profile)).toBe('fy2023 q2');
  });

  it('reads an 8-K report date as its year and finds nothing in an ordinary document', () => {
    const eightK = 'FORM 8-K\n\nCURRENT REPORT\n\nDate of Report (Date of earliest event reported): May 26, 2023\n\nFabrikam, Inc.\n\n(Exact name of registrant as specified in its charter)';
    expect(profileDocument([eightK], 'x.pdf')).toMatchObject({ entity: 'Fabrikam, Inc.', form: '8-K', fiscalYear: 2023 });
    const paper = profileDocument(['Trace trees record hot loops.\n\nWe evaluate on SunSpider.'], 'tracemonkey.pdf');
    expect(profileLabel(paper)).toBe('');
    expect(periodTerms(paper)).toBe('');
  });
});

describe('profileDocument on covers as PDFs print them', () => {
  it('names a 52/53-week year ending in early January after the year before', () => {
    const cover = 'FORM 10-K\n\nFor the fiscal year ended January 1, 2023\n\nCONTOSO FOODS, INC.\n\n(Exact name of registrant as specified in its charter)';
    expect(profileDocument([cover], 'a.pdf').fiscalYear).toBe(2022);
    expect(profileDocument([cover.replace('January 1, 2023', 'January 31, 2023')], 'a.pdf').fiscalYear).toBe(2023);
  });

  it('rejoins letter-spaced small capitals, keeps acronyms, and finds a name above the form title', () => {
    const spaced = 'FORM 10-K\n\nC ONTOSO R ESORTS I NTERNATIONAL\n\n(Exact name of registrant as specified in its charter)';
    expect(profileDocument([spaced], 'a.pdf').entity).toBe('Contoso Resorts International');
    const acronym = 'FORM 10-K\n\nBKR HEALTH CORPORATION\n\n(Exact name of registrant as specified in its charter)';
    expect(profileDocument([acronym], 'a.pdf').entity).toBe('BKR Health Corporation');
    const noCaption = 'UNITED STATES SECURITIES AND EXCHANGE COMMISSION\n\n4Q COMPANY\n\nFORM 10-K\n\nFor the Year Ended December 31, 2022';
    expect(profileDocument([noCaption], 'a.pdf')).toMatchObject({ entity: '4Q Company', form: '10-K', fiscalYear: 2022 });
  });

  it('does not take a file number for a name, nor a paper reporting results for an earnings release', () => {
    const logoCover = 'FORM 10-K\n\nCommission File Number 001-02217\n\n(Exact name of Registrant as specified in its charter)';
    expect(profileDocument([logoCover], 'a.pdf').entity).toBeNull();
    expect(profileDocument(['We reported results for the second quarter of a randomised trial.'], 'a.pdf').form).toBeNull();
  });
});

describe('fileNameWords', () => {
  it('splits separators, case changes and year-letter joins', () => {
    expect(fileNameWords('JOHNSON_JOHNSON_2023Q2_EARNINGS.pdf')).toBe('johnson johnson 2023 q2 earnings');
    expect(fileNameWords('annualReport-FY2021.final.docx')).toBe('annual report fy2021 final');
  });
});
