"""Tables, plots and result files for experiments and reports."""
