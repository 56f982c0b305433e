import os
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

Years = Union[int, str, Tuple[int, int]]
PathLike = Union[str, os.PathLike[str]]
Paths = Union[None, PathLike, Sequence[PathLike]]

class TallyError(Exception): ...
class InputError(TallyError): ...
class ConfigError(TallyError): ...
class ScorerError(TallyError): ...
class EmptyError(TallyError): ...

class Result:
    table: Any
    ledger: Dict[str, Any]
    provenance: Dict[str, Any]
    extra: Any

class Config:
    path: str
    @classmethod
    def from_toml(cls, path: PathLike) -> Config: ...

def rank(
    works: Paths = ...,
    institutions: Paths = ...,
    sources: Optional[PathLike] = ...,
    types: Union[None, str, Sequence[str]] = ...,
    years: Optional[Years] = ...,
    level: Optional[str] = ...,
    scorers: Optional[Sequence[str]] = ...,
    by: Optional[str] = ...,
    top: Optional[int] = ...,
    params: Optional[Mapping[str, Any]] = ...,
    threads: Optional[int] = ...,
    config: Union[None, PathLike, Config] = ...,
    *,
    intervals: Optional[bool] = ...,
    resamples: Optional[int] = ...,
    seed: Optional[int] = ...,
    strict: Optional[bool] = ...,
    allow_empty: Optional[bool] = ...,
    keep_duplicates: Optional[bool] = ...,
    metros: Optional[PathLike] = ...,
    regions: Optional[PathLike] = ...,
    backend: str = ...,
) -> Result: ...
def compare(
    current: Years,
    previous: Years,
    works: Paths = ...,
    institutions: Paths = ...,
    sources: Optional[PathLike] = ...,
    *,
    series: Sequence[Years] = ...,
    show: str = ...,
    top: Union[None, int, Sequence[int]] = ...,
    group: Optional[str] = ...,
    types: Union[None, str, Sequence[str]] = ...,
    level: Optional[str] = ...,
    scorers: Optional[Sequence[str]] = ...,
    by: Optional[str] = ...,
    params: Optional[Mapping[str, Any]] = ...,
    threads: Optional[int] = ...,
    config: Union[None, PathLike, Config] = ...,
    metros: Optional[PathLike] = ...,
    regions: Optional[PathLike] = ...,
    backend: str = ...,
) -> Result: ...
def explain(
    entity: Optional[str] = ...,
    work: Optional[str] = ...,
    works: Paths = ...,
    institutions: Paths = ...,
    sources: Optional[PathLike] = ...,
    *,
    level: Optional[str] = ...,
    years: Optional[Years] = ...,
    top: Optional[int] = ...,
    types: Union[None, str, Sequence[str]] = ...,
    scorers: Optional[Sequence[str]] = ...,
    config: Union[None, PathLike, Config] = ...,
    backend: str = ...,
) -> Result: ...
def collab(
    works: Paths = ...,
    institutions: Paths = ...,
    sources: Optional[PathLike] = ...,
    *,
    level: Optional[str] = ...,
    years: Optional[Years] = ...,
    entity: Optional[str] = ...,
    top: Optional[int] = ...,
    types: Union[None, str, Sequence[str]] = ...,
    config: Union[None, PathLike, Config] = ...,
    backend: str = ...,
) -> Result: ...
