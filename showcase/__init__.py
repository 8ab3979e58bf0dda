"""The public showcase: the programme's results as web pages, a feed and a static export."""
