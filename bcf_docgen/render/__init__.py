"""Writers: each turns the document model into one output format.

`docx.render_docx` / `docx.build_docx` write Word; `libreoffice.paginate` lays a .docx out
headless to learn its page numbers. Import the module you need: this package imports
nothing itself, so loading one writer does not load the others' libraries.
"""
