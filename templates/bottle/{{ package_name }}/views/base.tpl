<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{title}} · {{project_name}}</title>
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/static/style.css">
</head>
<body>
  <header class="site-header">
    <a class="brand" href="/">{{project_name}}</a>
    <nav class="site-nav" aria-label="Main">
      % for page in pages:
      <a href="{{page.url}}">{{page.title}}</a>
      % end
      % if accounts and user:
      <a href="/account">{{user.email}}</a>
      <form method="post" action="/logout">
        <input type="hidden" name="csrf_token" value="{{csrf_token}}">
        <button class="link" type="submit">Log out</button>
      </form>
      % elif accounts:
      <a href="/login">Log in</a>
      <a href="/signup">Sign up</a>
      % end
    </nav>
  </header>
  <main>
{{!base}}
  </main>
  <footer class="site-footer">{{description}}</footer>
</body>
</html>
