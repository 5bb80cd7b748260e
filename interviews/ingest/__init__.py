"""Importing sources, one subject a module: `files` (reading files and pasted text), `speakers`,
`segmentation`, `sources` (storing one source), `language` (language processing), `people`
(interviewees from a CSV) and `batches`."""
