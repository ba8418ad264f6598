import { Component, type ReactNode } from 'react';
import { translateNow } from '../../i18n';

/** Keeps the rest of the window usable when one view throws while rendering, and says so. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="view-error" role="alert">
        <p>{translateNow('app.crashed', { message: this.state.error.message })}</p>
        <button className="button" onClick={() => this.setState({ error: null })}>
          {translateNow('app.retryView')}
        </button>
      </div>
    );
  }
}
