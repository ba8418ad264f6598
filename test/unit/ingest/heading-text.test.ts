import { describe, expect, it } from 'vitest';
import { isPlausibleHeading } from '../../../src/main/ingest/heading-text';

describe('isPlausibleHeading', () => {
  it('keeps section titles', () => {
    for (const title of [
      'PART II',
      "ITEM 7. MANAGEMENT'S DISCUSSION AND ANALYSIS OF FINANCIAL CONDITION AND RESULTS OF OPERATIONS",
      'Consolidated Statements of Cash Flows',
      'Note 4. Other (Income)/Deductions—Net',
      '6.5 Calling External Functions',
      'Liquidity and Capital Resources',
    ]) {
      expect(isPlausibleHeading(title), title).toBe(true);
    }
  });

  it('rejects footers, page furniture, fragments, bullet items, sentences and table rows', () => {
    for (const line of [
      'Pfizer-like Inc. 2021 Form 10-K 74', // running footer with a page number
      '45',
      'F-3',
      'Table of Contents',
      '(February 7, 2019).',
      'was $227 million, $141 million and $137 million in 2021, 2020 and 2019, respectively.',
      '• Earnings per share increased',
      'o Written communications pursuant to Rule 425',
      '102 Includes approximately 34 acres of land located north of the main site which we lease to a third party.',
      'Product sales Up 16%',
      'Loss on the sale of a hotel – –',
      'As of December 31, 2021 As of December 31, 2020',
      'The accompanying notes are an integral part of these consolidated financial statements.',
    ]) {
      expect(isPlausibleHeading(line), line).toBe(false);
    }
  });
});
