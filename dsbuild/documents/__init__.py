"""Documents: text extracted from PDF, DOCX, Markdown, HTML, TXT (and EPUB) files, and chunked into passages."""
