"""The kinds of the exchange's background jobs (`interviews.models.Job.kind`)."""

EXPORT, IMPORT, IMPORT_QDC = "export_qdpx", "import_qdpx", "import_qdc"
