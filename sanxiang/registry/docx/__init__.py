"""Work-safety document templates (docxtpl .docx files) and their placeholders."""
