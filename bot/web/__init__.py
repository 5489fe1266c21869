"""The reading page: one web page per article with the sample page's five tabs (`atou serve`)."""
