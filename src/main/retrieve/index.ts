// The retrieval area's public surface: search for answers, the CLI and IPC; whole-document routing for answers.
export { search, type SearchContext, type SearchOptions } from './search';
export { routeWholeDocuments, type RoutedDocument, type RoutedPage, type WholeDocuments } from './route';
export { matchExpression, queryTerms } from './keyword-query';
