import {
  Content,
  ContentHeader,
  Header,
  Page,
} from '@backstage/core-components';
import { configApiRef, useApi } from '@backstage/frontend-plugin-api';
import Avatar from '@material-ui/core/Avatar';
import Button from '@material-ui/core/Button';
import Card from '@material-ui/core/Card';
import CardActions from '@material-ui/core/CardActions';
import CardContent from '@material-ui/core/CardContent';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { LocalUser, ROLE_TITLES } from './localUsers';

const useStyles = makeStyles(theme => ({
  intro: {
    maxWidth: '60em',
    marginBottom: theme.spacing(3),
  },
  list: {
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(17rem, 1fr))',
    gap: theme.spacing(2),
  },
  card: {
    height: '100%',
    display: 'flex',
    flexDirection: 'column',
  },
  content: {
    flexGrow: 1,
  },
  person: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1.5),
    marginBottom: theme.spacing(1.5),
  },
  chips: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5),
    marginBottom: theme.spacing(1),
  },
  error: {
    marginBottom: theme.spacing(2),
    padding: theme.spacing(1.5, 2),
    border: `1px solid ${theme.palette.error.main}`,
    borderRadius: theme.shape.borderRadius,
    maxWidth: '60em',
  },
}));

/** `group:default/team-payments` → `team-payments`. */
function groupName(ref: string): string {
  return ref.replace(/^group:/i, '').replace(/^default\//, '');
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map(part => part[0]!.toLocaleUpperCase())
    .join('');
}

/** Props of {@link LocalUserPicker}. */
export type LocalUserPickerProps = {
  users: LocalUser[];
  /** Why the last sign-in failed, as the backend said it. */
  error?: string;
  onChoose(user: LocalUser): void;
};

/**
 * Local mode's "Who do you want to be?": one card per sample user with their roles and
 * groups, and a button to sign in as them. What each role may do is enforced by the backend's
 * permission policy; this page only chooses who you are.
 */
export function LocalUserPicker(props: LocalUserPickerProps) {
  const { users, error, onChoose } = props;
  const classes = useStyles();
  const appTitle = useApi(configApiRef).getString('app.title');

  return (
    <Page themeId="home">
      <Header title={appTitle} subtitle="Local mode" />
      <Content>
        <ContentHeader title="Who do you want to be?" />
        <Typography variant="body1" className={classes.intro}>
          Pick a sample user to see the portal as their role sees it. The
          portal's backend enforces what each role may do, whatever the page
          shows.
        </Typography>
        {error && (
          <Typography role="alert" color="error" className={classes.error}>
            {error}
          </Typography>
        )}
        {users.length === 0 ? (
          <Typography variant="body1">
            The catalog has no sample users yet: it may still be loading. Reload
            the page in a moment.
          </Typography>
        ) : (
          <ul className={classes.list} aria-label="Sample users">
            {users.map(user => {
              const id = `local-user-${user.userEntityRef.replace(
                /[^a-z0-9-]/gi,
                '-',
              )}`;
              return (
                <li key={user.userEntityRef}>
                  <Card variant="outlined" className={classes.card}>
                    <CardContent className={classes.content}>
                      <div className={classes.person}>
                        <Avatar src={user.picture} alt="">
                          {initials(user.displayName)}
                        </Avatar>
                        <div>
                          <Typography variant="h6" component="h3">
                            {user.displayName}
                          </Typography>
                          {user.email && (
                            <Typography variant="body2" color="textSecondary">
                              {user.email}
                            </Typography>
                          )}
                        </div>
                      </div>
                      <div id={`${id}-details`}>
                        <div className={classes.chips}>
                          {user.roles.length > 0 ? (
                            user.roles.map(role => (
                              <Chip
                                key={role}
                                size="small"
                                color="primary"
                                label={ROLE_TITLES[role] ?? role}
                              />
                            ))
                          ) : (
                            <Chip
                              size="small"
                              variant="outlined"
                              label="No role — read-only catalog"
                            />
                          )}
                        </div>
                        <Typography variant="body2" color="textSecondary">
                          {user.groups.length > 0
                            ? `Groups: ${user.groups.map(groupName).join(', ')}`
                            : 'In no group'}
                        </Typography>
                      </div>
                    </CardContent>
                    <CardActions>
                      <Button
                        variant="contained"
                        color="primary"
                        aria-label={`Sign in as ${user.displayName}`}
                        aria-describedby={`${id}-details`}
                        onClick={() => onChoose(user)}
                      >
                        Sign in
                      </Button>
                    </CardActions>
                  </Card>
                </li>
              );
            })}
          </ul>
        )}
      </Content>
    </Page>
  );
}
