from sqlalchemy import create_engine, text


def test_database_url_is_a_real_empty_database(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE probe (x INTEGER)"))
        conn.execute(text("INSERT INTO probe VALUES (1)"))
        assert conn.execute(text("SELECT count(*) FROM probe")).scalar() == 1
    engine.dispose()
