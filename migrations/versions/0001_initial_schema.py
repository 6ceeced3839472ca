"""Initial schema: actors with enterprise profile attributes, accounts, web sessions, follows, statuses.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('actors',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=True),
    sa.Column('uri', sa.String(length=2048), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('inbox_uri', sa.String(length=2048), nullable=True),
    sa.Column('outbox_uri', sa.String(length=2048), nullable=True),
    sa.Column('followers_uri', sa.String(length=2048), nullable=True),
    sa.Column('following_uri', sa.String(length=2048), nullable=True),
    sa.Column('shared_inbox_uri', sa.String(length=2048), nullable=True),
    sa.Column('display_name', sa.String(length=255), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('summary_source', sa.Text(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('avatar_url', sa.String(length=2048), nullable=True),
    sa.Column('header_url', sa.String(length=2048), nullable=True),
    sa.Column('key_id', sa.String(length=2048), nullable=False),
    sa.Column('public_key_pem', sa.Text(), nullable=False),
    sa.Column('private_key_pem', sa.Text(), nullable=True),
    sa.Column('manually_approves_followers', sa.Boolean(), nullable=False),
    sa.Column('discoverable', sa.Boolean(), nullable=False),
    sa.Column('published', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.Column('department', sa.String(length=255), nullable=True),
    sa.Column('site', sa.String(length=255), nullable=True),
    sa.Column('job_title', sa.String(length=255), nullable=True),
    sa.Column('phone', sa.String(length=64), nullable=True),
    sa.Column('manager_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['manager_id'], ['actors.id'], name=op.f('fk_actors_manager_id_actors'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actors')),
    sa.UniqueConstraint('uri', name=op.f('uq_actors_uri'))
    )
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actors_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_actors_site'), ['site'], unique=False)
    # Handles are unique case-insensitively: per node for local actors, per domain for remote ones.
    op.create_index(
        'uq_actors_local_username', 'actors', [sa.text('lower(username)')], unique=True,
        sqlite_where=sa.text('domain IS NULL'), postgresql_where=sa.text('domain IS NULL'),
    )
    op.create_index(
        'uq_actors_remote_username', 'actors', [sa.text('lower(username)'), 'domain'], unique=True,
        sqlite_where=sa.text('domain IS NOT NULL'), postgresql_where=sa.text('domain IS NOT NULL'),
    )

    op.create_table('node_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_node_settings'))
    )
    op.create_table('accounts',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('actor_id', sa.BigInteger(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_accounts_actor_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('actor_id', name=op.f('uq_accounts_actor_id')),
    sa.UniqueConstraint('email', name=op.f('uq_accounts_email'))
    )
    op.create_table('actor_languages',
    sa.Column('actor_id', sa.BigInteger(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_actor_languages_actor_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('actor_id', 'language', name=op.f('pk_actor_languages'))
    )
    with op.batch_alter_table('actor_languages', schema=None) as batch_op:
        batch_op.create_index('ix_actor_languages_language', ['language'], unique=False)

    op.create_table('actor_skills',
    sa.Column('actor_id', sa.BigInteger(), nullable=False),
    sa.Column('skill', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_actor_skills_actor_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('actor_id', 'skill', name=op.f('pk_actor_skills'))
    )
    op.create_index('ix_actor_skills_skill', 'actor_skills', [sa.text('lower(skill)')], unique=False)
    op.create_table('follows',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('follower_id', sa.BigInteger(), nullable=False),
    sa.Column('followee_id', sa.BigInteger(), nullable=False),
    sa.Column('uri', sa.String(length=2048), nullable=True),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['followee_id'], ['actors.id'], name=op.f('fk_follows_followee_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['follower_id'], ['actors.id'], name=op.f('fk_follows_follower_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
    sa.UniqueConstraint('follower_id', 'followee_id', name=op.f('uq_follows_follower_id')),
    sa.UniqueConstraint('uri', name=op.f('uq_follows_uri'))
    )
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follows_followee_id'), ['followee_id'], unique=False)

    op.create_table('statuses',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('actor_id', sa.BigInteger(), nullable=False),
    sa.Column('uri', sa.String(length=2048), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=True),
    sa.Column('spoiler_text', sa.Text(), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=True),
    sa.Column('in_reply_to_id', sa.BigInteger(), nullable=True),
    sa.Column('published', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_statuses_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['in_reply_to_id'], ['statuses.id'], name=op.f('fk_statuses_in_reply_to_id_statuses'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statuses')),
    sa.UniqueConstraint('uri', name=op.f('uq_statuses_uri'))
    )
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.create_index('ix_statuses_actor_id_id', ['actor_id', 'id'], unique=False)

    op.create_table('web_sessions',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_agent', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_web_sessions_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_sessions_token_hash'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_account_id'), ['account_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_account_id'))

    op.drop_table('web_sessions')
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.drop_index('ix_statuses_actor_id_id')

    op.drop_table('statuses')
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follows_followee_id'))

    op.drop_table('follows')
    op.drop_index('ix_actor_skills_skill', table_name='actor_skills')
    op.drop_table('actor_skills')
    with op.batch_alter_table('actor_languages', schema=None) as batch_op:
        batch_op.drop_index('ix_actor_languages_language')

    op.drop_table('actor_languages')
    op.drop_table('accounts')
    op.drop_table('node_settings')
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actors_site'))
        batch_op.drop_index(batch_op.f('ix_actors_department'))
    op.drop_index('uq_actors_remote_username', table_name='actors')
    op.drop_index('uq_actors_local_username', table_name='actors')

    op.drop_table('actors')
