import { describe, expect, it } from 'vitest';
import { analyseQuery, periodTermsOf } from '../../../src/main/retrieve/query-analysis';

describe('analyseQuery', () => {
  it('folds answer-form phrases, instructions and possessives out of a question', () => {
    const { terms } = analyseQuery("What is Northwind's FY2019 - FY2021 3 year average operating income % margin? Answer in USD millions and round to two decimal places.");
    expect(terms).toEqual(['northwind', 'fy2019', 'fy2021', '3', 'year', 'average', 'operating', 'income', 'margin']);
    expect(analyseQuery('Answer in units of percents, rounded to one decimal place: the gross margin').terms).toEqual(['gross', 'margin']);
  });

  it('keeps unit words that are what the question is about', () => {
    expect(analyseQuery('impairment charges of 5 million dollars').terms).toEqual(['impairment', 'charges', '5', 'million', 'dollars']);
    expect(analyseQuery('percent of patients with decimal scoring').terms).toEqual(['percent', 'patients', 'decimal', 'scoring']);
  });

  it('writes periods the way documents are profiled', () => {
    expect(periodTermsOf('Did it grow between FY20 and FY21?')).toEqual(['fy2020', 'fy2021']);
    expect(periodTermsOf('fiscal year 2022 and fiscal 2023')).toEqual(['fy2022', 'fy2023']);
    expect(periodTermsOf('Q2 of FY2023 against the second quarter of 2022')).toEqual(['fy2023', 'q2']);
    expect(analyseQuery('Did PPNE grow between FY20 and FY21?').terms).toEqual(['ppne', 'grow', 'between', 'fy2020', 'fy2021']);
  });

  it('keeps years and content words, and everything when nothing else would be left', () => {
    expect(analyseQuery('vitamin D deficiency in 2019 cohorts').terms).toEqual(['vitamin', 'd', 'deficiency', '2019', 'cohorts']);
    expect(analyseQuery('how much').terms).toEqual(['how', 'much']);
  });
});
