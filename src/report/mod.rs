//! Writers of results: CSV waveforms, JSON summaries, terminal tables and plots.
