"""A WeasyPrint URL fetcher that reads only the project's own files and inline data.

WeasyPrint's default fetcher reads any local file and makes HTTP requests, and
`<link rel="attachment">` even embeds a fetched file in the PDF; a dossier is built from
text other people wrote, so it may reach nothing but `data:` URLs and files inside the project.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse


class RefusedURL(ValueError):
    """A URL outside what the dossier may read (another scheme, host, or a path outside the project)."""


class ProjectFetcher(URLFetcher):
    """Serves `data:` URLs and `file:` URLs that resolve, after symlinks, inside `root`."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.root = root.resolve()

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        """Open an allowed URL; raise RefusedURL (WeasyPrint logs it and skips the resource) otherwise."""
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedURL(f"只允许读取项目内的文件，拒绝访问 {url}")
        path = self.local_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.open("rb"), {"Content-Type": content_type})

    def local_path(self, url: str) -> Path:
        """The file a `file:` URL names, resolved through symlinks, if it lies inside the project."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"拒绝访问其他主机上的文件：{url}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root):
            raise RefusedURL(f"拒绝读取项目文件夹以外的文件：{path}")
        if not path.is_file():
            raise RefusedURL(f"找不到文件：{path}")
        return path
