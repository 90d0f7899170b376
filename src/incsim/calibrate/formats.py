"""The names of the incident export formats incsim reads (``readers`` has a reader for each;
the command line offers them as ``--format``)."""

FORMATS = ("pagerduty", "incidentio", "statuspage", "gcloud", "aws-shd", "rootly", "firehydrant", "csv")
